"""geo.mapping.html."""

from __future__ import annotations

import math
from typing import Any

from jinja2.utils import htmlsafe_json_dumps
from markupsafe import escape

#: Longest sentence shown in a popup (characters); longer ones are cut around the place name.
MAX_SENTENCE_CHARS = 400


# ---------------------------------------------------------------------------------------- text
def escape_text(value: object) -> str:
    """Text made inert for HTML, for JavaScript template strings and for Jinja.

    markupsafe escapes it for HTML (``& < > ' "``); the characters JavaScript template strings
    (`` ` ``, ``${``) and Jinja (``{ }``) react to become entities too, which markupsafe leaves:
    folium (branca) compiles rendered layer scripts as Jinja templates, so ``{{ ... }}`` in
    article text would otherwise be evaluated on the server.

    >>> escape_text("<b>`${x}`</b> & 'y' {{ 7*7 }}")
    '&lt;b&gt;&#96;&#36;&#123;x&#125;&#96;&lt;/b&gt; &amp; &#39;y&#39; &#123;&#123; 7*7 &#125;&#125;'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    # str() first: markupsafe trusts objects that say they are HTML already (``__html__``), and
    # plain str after: Markup.replace would escape the entities put in below.
    return (str(escape(str(value))).replace("`", "&#96;").replace("$", "&#36;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _occurrences(text: str, name: str) -> list[tuple[int, int]]:
    """Whole-word occurrences of ``name`` in ``text`` (no regex: names vary too much to cache)."""
    out: list[tuple[int, int]] = []
    if not name:
        return out
    pos = text.find(name)
    while pos != -1:
        end = pos + len(name)
        if (pos == 0 or not _is_word_char(text[pos - 1])) and (end == len(text) or not _is_word_char(text[end])):
            out.append((pos, end))
        pos = text.find(name, end if out and out[-1][1] == end else pos + 1)
    return out


def highlight_sentence(sentence: object, name: object, max_chars: int = MAX_SENTENCE_CHARS) -> str:
    """The sentence, escaped, with each whole-word occurrence of ``name`` wrapped in ``<mark>``.

    >>> highlight_sentence("Shelling hit <Baku>, not Bakuriani.", "Baku")
    'Shelling hit &lt;<mark>Baku</mark>&gt;, not Bakuriani.'
    """
    text = " ".join(str(sentence if isinstance(sentence, str) else "").split())
    name = str(name if isinstance(name, str) else "").strip()
    if len(text) > max_chars:
        hits = _occurrences(text, name)
        centre = hits[0][0] if hits else 0
        start = max(0, min(centre - max_chars // 2, len(text) - max_chars))
        text = ("…" if start else "") + text[start:start + max_chars] + ("…" if start + max_chars < len(text) else "")
    out, pos = [], 0
    for a, b in _occurrences(text, name):
        out.append(escape_text(text[pos:a]))
        out.append(f"<mark>{escape_text(text[a:b])}</mark>")
        pos = b
    out.append(escape_text(text[pos:]))
    return "".join(out)


def _script_json(obj: Any) -> str:
    """JSON safe inside a <script> element (``< > & '`` as ``\\u`` escapes), compact, as folium's
    ``tojson`` makes it: jinja2's ``htmlsafe_json_dumps``, as a plain str (a ``Markup`` would
    escape whatever is concatenated to it)."""
    return str(htmlsafe_json_dumps(obj, ensure_ascii=False, separators=(",", ":")))
