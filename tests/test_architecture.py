"""The shape of the code, checked: data flows one way through the stages of ``geo/``, only the app
layer imports Streamlit, and no module imports another that imports it back.

The table of what each stage may import is the one in README.md ("How the code is laid out"):
change both together.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from geo.config import PROJECT_ROOT

GEO = PROJECT_ROOT / "geo"

#: Stage (subpackage or top-level module of ``geo``) -> the stages it may import. Upstream stages
#: never import downstream ones; ``model`` and ``config`` are shared by all.
ALLOWED: dict[str, set[str]] = {
    "model": set(),
    "config": set(),
    "distance": set(),
    "profiles": {"config"},
    "_compat": {"config"},
    "text": {"config", "model"},
    "nlp": {"config", "_compat", "text"},
    "gazetteer": {"config", "model", "text"},
    "geoparse": {"config", "model", "text", "nlp", "gazetteer"},
    "claims": {"config", "model", "text", "nlp", "geoparse"},
    "store": {"config", "model", "text", "gazetteer", "geoparse"},
    "pipeline": {"config", "_compat", "model", "text", "nlp", "gazetteer", "geoparse", "claims", "store"},
    "evaluate": {"config", "model"},
    "serving": set(),
    "layers": {"config", "model", "text"},
    "mapping": {"config", "_compat", "model", "layers"},
    "cli": {"config", "model", "text", "gazetteer", "pipeline", "store", "evaluate"},
    "app": {"config", "_compat", "model", "text", "gazetteer", "geoparse", "store", "pipeline", "layers",
            "mapping"},
    "__main__": {"cli"},
}

#: Modules every stage may use: the records, the settings and the one distance.
SHARED = {"model", "config", "distance", "profiles"}

#: Packages only the app layer (geo/app, app.py, pages/) may import.
STREAMLIT_PACKAGES = ("streamlit", "streamlit_folium")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    return "TYPE_CHECKING" in ast.unparse(node.test)


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports at run time (module level or inside functions), with its line;
    ``if TYPE_CHECKING:`` blocks are left out (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((module, node.lineno))
            # "from geo.x import y" may import the submodule geo.x.y
            found.extend((f"{module}.{alias.name}", node.lineno) for alias in node.names
                         if (GEO.parent / (module.replace(".", "/") + f"/{alias.name}.py")).exists()
                         or (GEO.parent / (module.replace(".", "/") + f"/{alias.name}")).is_dir())
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _geo_files() -> list[Path]:
    return sorted(p for p in GEO.rglob("*.py") if "__pycache__" not in p.parts)


def _stage(module: str) -> str:
    """``geo.geoparse.resolve`` -> ``geoparse``; ``geo.model`` -> ``model``."""
    return module.split(".")[1] if module.count(".") >= 1 else module


def test_every_stage_is_in_the_table() -> None:
    stages = {_stage(_module_name(p)) for p in _geo_files() if _module_name(p) != "geo"}
    assert stages <= set(ALLOWED), f"stages missing from ALLOWED (and README): {stages - set(ALLOWED)}"


def test_stages_import_only_upstream() -> None:
    wrong = []
    for path in _geo_files():
        me = _module_name(path)
        if me == "geo":
            continue
        mine = _stage(me)
        for module, line in _imports(path):
            if not module.startswith("geo.") or module == "geo":
                continue
            other = _stage(module)
            if other != mine and other not in ALLOWED[mine] | SHARED:
                wrong.append(f"{path.relative_to(PROJECT_ROOT)}:{line}: {mine} imports {module}")
    assert not wrong, "imports against the flow of data:\n" + "\n".join(wrong)


def test_only_the_app_layer_imports_streamlit() -> None:
    wrong = [f"{p.relative_to(PROJECT_ROOT)}:{line}: imports {module}"
             for p in _geo_files() if _stage(_module_name(p)) != "app"
             for module, line in _imports(p) if module.split(".")[0] in STREAMLIT_PACKAGES]
    assert not wrong, "Streamlit outside geo/app:\n" + "\n".join(wrong)


def test_no_import_circles() -> None:
    """No module imports (at run time, at any depth) a module that imports it back."""
    modules = {_module_name(p): p for p in _geo_files()}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for me, path in modules.items():
        for module, _ in _imports(path):
            # a package's __init__ is part of importing its modules, but not a circle of its own
            if module in modules and module != me and not me.startswith(module + "."):
                graph[me].add(module)
    circles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


@pytest.mark.parametrize("entry", ["geo.cli", "geo.pipeline.ingest", "geo.mapping.build", "geo.mapping.export",
                                   "geo.layers.filters", "geo.store.corrections"])
def test_engine_runs_without_streamlit(entry: str) -> None:
    """Importing the engine (and building a map) loads no Streamlit module, at import or at run time."""
    code = (f"import sys, importlib; importlib.import_module({entry!r});"
            "sys.path.insert(0, 'tests'); import synthetic_data as s;"
            "import geo.mapping.build as b, geo.layers.places as p;"
            "m = s.synthetic_mentions(3); b.build_map(p.place_layer(m), m, {}).get_root().render();"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'streamlit_folium'));"
            "print(len(bad), bad[:5]); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"Streamlit loaded by {entry}: {done.stdout} {done.stderr[-2000:]}"


def test_pages_stop_through_the_app_layer() -> None:
    """A page stops with ``app.stop_page()``: a bare ``st.stop()`` would leave the sidebar's link,
    drawn when the page is done (``geo.app.viewsync.link_drawn_last``), undrawn."""
    bare = [p.name for p in sorted((PROJECT_ROOT / "pages").glob("*.py")) if "st.stop()" in p.read_text(encoding="utf-8")]
    assert bare == []
