"""The ingestion pipeline (geo/pipeline.py) and the command line (geo/cli.py), end to end on
the bundled corpus and on small corpora written here. Stores live in tmp dirs; the model and
gazetteer are the session's shared ones (the CLI's own loads hit the same caches)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from geo.cli import main
from geo.pipeline.ingest import Pipeline
from geo.pipeline.predictions import article_prediction
from geo.store.sqlite import Store
from geo.text.corpus import read_corpus, read_paths

#: The metric names of EVALUATION.md ("Metrics (names as in --json)"), plus the run's figures.
EVALUATION_KEYS = {
    "toponym_precision", "toponym_recall", "toponym_f1",
    "resolution_acc_161km", "resolution_median_error_km",
    "metonymy_accuracy",
    "claim_precision", "claim_recall", "claim_f1", "claim_date_accuracy", "claim_dispute_f1",
}
RUN_KEYS = {"articles", "seconds", "articles_per_second"}
#: Beside the metrics, with --by-class only: resolution per class of gold toponym.
REPORT_KEYS = {"resolution_by_class"}

GOOD_1 = (
    "Officials in Tbilisi said on Monday that repairs to the railway linking Georgia and Armenia would "
    "take two more weeks. Freight trains to Yerevan are being diverted through the port of Batumi, the "
    "ministry said, and passengers have been offered buses instead.\n"
)
GOOD_2 = (
    "Farmers near Gyumri in northern Armenia said the spring frost had damaged most of the apricot "
    "harvest. The regional governor said the government in Yerevan would compensate families who had "
    "lost more than half of their crop this year.\n"
)


def _span(text: str, needle: str, context: str | None = None) -> tuple[int, int]:
    """Offsets of ``needle`` inside the first occurrence of ``context`` (default: the needle)."""
    context = context or needle
    at = text.index(context) + context.index(needle)
    assert text[at:at + len(needle)] == needle
    return at, at + len(needle)


def _toponym(text: str, needle: str, context: str | None = None, **fields) -> dict:
    start, end = _span(text, needle, context)
    return {"text": needle, "start": start, "end": end, "metonymic": False, "not_a_place": False, **fields}


@pytest.fixture
def gold_dir(tmp_path: Path, bundled_corpus: Path) -> Path:
    """Hand-written gold for the two bundled articles (3-4 toponyms each, offsets computed here)."""
    articles, errors = read_corpus(bundled_corpus)
    assert not errors
    text = {a.id: a.text for a in articles}
    t0, t4 = text["000"], text["004"]
    gold = {
        "000": {"id": "000", "published": "2020-10-20", "toponyms": [
            _toponym(t0, "Nagorno-Karabakh", "fighting over Nagorno-Karabakh, the two sides",
                     name="Nagorno-Karabakh", country="AZ", lat=39.82, lon=46.75, type="region"),
            _toponym(t0, "Washington", "meet Pompeo in Washington on Friday",
                     name="Washington", country="US", lat=38.89511, lon=-77.03637, type="settlement"),
            _toponym(t0, "Yerevan", "Yerevan says", name="Yerevan", country="AM", lat=40.18111, lon=44.51361,
                     type="settlement", metonymic=True),
            {**_toponym(t0, "Minsk", "so-called Minsk Group"), "not_a_place": True},
        ]},
        "004": {"id": "004", "published": "2020-10-24", "toponyms": [
            _toponym(t4, "Azerbaijan", "between Armenia and Azerbaijan, and a return",
                     name="Azerbaijan", country="AZ", lat=40.5, lon=47.5, type="country"),
            _toponym(t4, "Washington", "separately in Washington, with",
                     name="Washington", country="US", lat=38.89511, lon=-77.03637, type="settlement"),
            _toponym(t4, "Martouni", "the town of Martouni in the Karabakh region",
                     name="Khojavend (Martuni)", country="AZ", lat=39.79496, lon=47.1117, type="settlement"),
            _toponym(t4, "border with Iran", "full control of the border with Iran",
                     name="Azerbaijan–Iran border", country="AZ", lat=39.0, lon=47.5, type="border"),
        ]},
    }
    folder = tmp_path / "gold"
    folder.mkdir()
    for art_id, data in gold.items():
        (folder / f"{art_id}.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- Pipeline.ingest


@pytest.mark.integration
def test_ingest_bundled_corpus_then_duplicates(pipeline: Pipeline, store: Store, bundled_corpus: Path) -> None:
    articles, errors = read_corpus(bundled_corpus)
    assert errors == [] and len(articles) == 2
    seen: list[tuple[int, int, str]] = []
    analyses: dict = {}
    results = pipeline.ingest(articles, store, progress=lambda d, t, r: seen.append((d, t, r.status)),
                              analyses=analyses)
    assert [r.status for r in results] == ["added", "added"]
    assert seen == [(1, 2, "added"), (2, 2, "added")]
    assert set(analyses) == {"000", "004"}
    assert all(r.mentions > 10 and 0 < r.resolved <= r.mentions for r in results)
    counts = store.counts()
    assert counts["articles"] == 2 and counts["resolved"] > 20
    version = store.data_version()
    rows = len(store.mentions_df())

    again = pipeline.ingest(articles, store)
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert [r.article_id for r in again] == [r.article_id for r in results]
    assert store.data_version() == version
    assert len(store.mentions_df()) == rows


@pytest.mark.integration
def test_ingested_mentions_are_consistent(pipeline: Pipeline, store: Store, bundled_corpus: Path) -> None:
    articles, _ = read_corpus(bundled_corpus)
    pipeline.ingest(articles, store)
    df = store.mentions_df()
    texts = {a.id: a.text for a in articles}
    for _, row in df.iterrows():
        assert texts[row["corpus_id"]][row["start"]:row["end"]] == row["text"]
        assert row["text"] in row["sentence"]
        if isinstance(row["place_key"], str):
            assert 0 < row["confidence"] <= 1 and row["precision"] in (1, 2, 3, 4, 5)
    keys = set(df["place_key"].dropna())
    assert "ref:breakaway:B38" in keys  # Nagorno-Karabakh
    assert "geonames:146969" in keys  # Martouni / Martoni -> Khojavend
    assert "ref:border:AZ-IR" in keys


@pytest.mark.integration
def test_one_failing_article_does_not_stop_the_others(pipeline: Pipeline, store: Store, bundled_corpus: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    articles, _ = read_corpus(bundled_corpus)
    real = pipeline.analyze

    def flaky(article, doc=None):
        if article.id == "000":
            raise ValueError("boom")
        return real(article, doc)

    monkeypatch.setattr(pipeline, "analyze", flaky)
    results = pipeline.ingest(articles, store)
    assert [r.status for r in results] == ["failed", "added"]  # an internal error, not the article's fault
    assert "boom" in results[0].message and "internal error" in results[0].message
    assert store.counts()["articles"] == 1


@pytest.mark.integration
def test_article_prediction_layout(pipeline: Pipeline, bundled_corpus: Path) -> None:
    articles, _ = read_corpus(bundled_corpus)
    article = articles[1]
    pred = article_prediction(article, pipeline.analyze(article))
    assert pred["id"] == "004" and pred["published"] == "2020-10-24"
    assert pred["toponyms"]
    for t in pred["toponyms"]:
        assert article.text[t["start"]:t["end"]] == t["text"]
        assert not t["not_a_place"]
        if t["name"] is not None:
            assert -90 <= t["lat"] <= 90 and -180 <= t["lon"] <= 180 and 0 < t["confidence"] <= 1
        if t["type"] in ("border", "pipeline"):
            assert t["geometry"]["type"] in ("LineString", "MultiLineString")


# --------------------------------------------------------------------------- CLI ingest


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_rejects_the_bad_file_and_adds_the_others(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good1.txt").write_text(GOOD_1, encoding="utf-8")
    (folder / "good2.txt").write_text(GOOD_2, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    db = tmp_path / "cli.sqlite"

    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    out, err = capsys.readouterr()
    assert code == 1
    rejected = [line for line in err.splitlines() if line.startswith("rejected")]
    assert len(rejected) == 1 and "broken.txt" in rejected[0] and "binary" in rejected[0]
    assert "2 added" in out and "1 rejected" in out
    store = Store(db)
    try:
        df = store.articles_df()
        assert sorted(df["corpus_id"]) == ["good1", "good2"]
        assert store.counts()["resolved"] >= 4
    finally:
        store.close()


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_twice_reports_duplicates(tmp_path: Path, bundled_corpus: Path, capsys) -> None:
    db = tmp_path / "twice.sqlite"
    assert main(["ingest", str(bundled_corpus), "--db", str(db), "-q"]) == 0
    assert "2 added" in capsys.readouterr().out
    assert main(["ingest", str(bundled_corpus), "--db", str(db), "-q"]) == 0
    out = capsys.readouterr().out
    assert "0 added" in out and "2 duplicate" in out and "0 rejected" in out


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_default_store_is_the_isolated_one(settings, bundled_corpus: Path, capsys) -> None:
    assert main(["ingest", str(bundled_corpus / "000_f057f2a1b5855616.txt"), "-q"]) == 0
    assert str(settings.db_path) in capsys.readouterr().out
    assert settings.db_path.exists()


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_missing_path(tmp_path: Path, capsys) -> None:
    code = main(["ingest", str(tmp_path / "nowhere"), "--db", str(tmp_path / "x.sqlite"), "-q"])
    assert code == 1
    assert "no such file or folder" in capsys.readouterr().err


# --------------------------------------------------------------------------- CLI evaluate


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_prints_the_metrics(bundled_corpus: Path, gold_dir: Path, capsys) -> None:
    assert main(["evaluate", str(bundled_corpus), str(gold_dir)]) == 0
    out = capsys.readouterr().out
    for key in EVALUATION_KEYS | RUN_KEYS:
        assert key in out, key


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_json_and_predictions(bundled_corpus: Path, gold_dir: Path, tmp_path: Path, capsys) -> None:
    preds_path = tmp_path / "predictions.jsonl"
    code = main(["evaluate", str(bundled_corpus), str(gold_dir), "--json", "--predictions", str(preds_path)])
    assert code == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == EVALUATION_KEYS | RUN_KEYS  # EVALUATION.md's names, no more without --by-class
    assert metrics["articles"] == 2
    assert metrics["seconds"] > 0 and metrics["articles_per_second"] > 0
    for key in ("toponym_precision", "toponym_recall", "toponym_f1", "resolution_acc_161km"):
        assert 0 <= metrics[key] <= 1, key
    # Recognition finds more places than the gold lists, but every gold place is found and placed.
    assert metrics["toponym_recall"] == 1.0
    assert metrics["resolution_acc_161km"] >= 0.8
    assert metrics["claim_f1"] is None or 0 <= metrics["claim_f1"] <= 1

    lines = preds_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    preds = [json.loads(line) for line in lines]
    assert [p["id"] for p in preds] == ["000", "004"]
    for p in preds:
        assert p["toponyms"]
        for t in p["toponyms"]:
            assert {"start", "end", "text", "lat", "lon", "confidence", "name", "country", "type",
                    "metonymic"} <= set(t)
            assert isinstance(t["start"], int) and t["end"] > t["start"]
            if t["lat"] is not None:
                assert not math.isnan(t["lat"]) and 0 < t["confidence"] <= 1


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_gold_spans(bundled_corpus: Path, gold_dir: Path, capsys) -> None:
    assert main(["evaluate", str(bundled_corpus), str(gold_dir), "--json", "--gold-spans", "--by-class"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == EVALUATION_KEYS | RUN_KEYS | REPORT_KEYS
    assert metrics["toponym_precision"] == 1.0 and metrics["toponym_recall"] == 1.0
    assert metrics["resolution_acc_161km"] >= 0.8
    by_class = metrics["resolution_by_class"]
    assert by_class and all(set(row) == {"n", "acc161", "median_error_km"} for row in by_class.values())
    right = sum(row["n"] * row["acc161"] for row in by_class.values())
    assert right / sum(row["n"] for row in by_class.values()) == pytest.approx(metrics["resolution_acc_161km"])


def test_cli_evaluate_missing_gold_dir(bundled_corpus: Path, tmp_path: Path, capsys) -> None:
    code = main(["evaluate", str(bundled_corpus), str(tmp_path / "no_gold")])
    err = capsys.readouterr().err
    assert code == 2
    assert "error" in err and "gold" in err and "no_gold" in err


def test_cli_evaluate_empty_gold_dir(bundled_corpus: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "empty_gold").mkdir()
    assert main(["evaluate", str(bundled_corpus), str(tmp_path / "empty_gold")]) == 2
    assert "no *.json gold files" in capsys.readouterr().err


def test_cli_evaluate_missing_articles_dir(gold_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path / "no_articles"), str(gold_dir)]) == 2
    assert "not a folder" in capsys.readouterr().err


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_on_an_unseen_corpus(tmp_path: Path, bundled_corpus: Path, capsys) -> None:
    """A corpus the developers never saw: no manifest, one article, gold written here."""
    corpus = tmp_path / "unseen"
    corpus.mkdir()
    (corpus / "rail.txt").write_text(GOOD_1, encoding="utf-8")
    gold = tmp_path / "unseen_gold"
    gold.mkdir()
    toponyms = [
        _toponym(GOOD_1, "Tbilisi", name="Tbilisi", country="GE", lat=41.69411, lon=44.83368, type="settlement"),
        _toponym(GOOD_1, "Batumi", name="Batumi", country="GE", lat=41.64228, lon=41.63392, type="settlement"),
    ]
    (gold / "rail.json").write_text(json.dumps({"id": "rail", "toponyms": toponyms}), encoding="utf-8")
    assert main(["evaluate", str(corpus), str(gold), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["articles"] == 1 and metrics["toponym_recall"] == 1.0
    assert metrics["resolution_acc_161km"] == 1.0


# --------------------------------------------------------------------------- CLI gazetteer


@pytest.fixture
def fixture_gazetteer_env(gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the CLI (``CLAIM_ATLAS_GAZETTEER``) at the fixture gazetteer."""
    monkeypatch.setenv("CLAIM_ATLAS_GAZETTEER", str(gazetteer.path))


@pytest.mark.usefixtures("fixture_gazetteer_env")
def test_cli_gazetteer_lookup(capsys) -> None:
    assert main(["gazetteer", "lookup", "Martouni"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0].split("\t")
    assert first[0] == "Martouni" and first[1] == "Khojavend" and first[2] == "AZ"
    assert "geonames:146969" in first[-1]


@pytest.mark.usefixtures("fixture_gazetteer_env")
def test_cli_gazetteer_lookup_unknown(capsys) -> None:
    assert main(["gazetteer", "lookup", "Qwzxplk", "--limit", "3"]) == 0
    assert "unknown place" in capsys.readouterr().out


def test_cli_rejects_unknown_command(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2


@pytest.mark.integration
def test_read_paths_and_ingest_a_copied_corpus(pipeline: Pipeline, store: Store, tmp_path: Path,
                                               bundled_corpus: Path) -> None:
    """Editing one article of a corpus and ingesting again updates only that one."""
    copy = tmp_path / "copy"
    shutil.copytree(bundled_corpus, copy)
    articles, _ = read_paths([copy])
    pipeline.ingest(articles, store)
    target = copy / "000_f057f2a1b5855616.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nA correction was appended in Yerevan.\n",
                      encoding="utf-8")
    articles, _ = read_paths([copy])
    results = pipeline.ingest(articles, store)
    assert {r.name: r.status for r in results} == {"000_f057f2a1b5855616.txt": "updated",
                                                   "004_fea761fde3cecd3d.txt": "duplicate"}
    assert store.counts()["articles"] == 2


# --------------------------------------------------------------------------- CLI errors and exit codes


def _fail_analysis(monkeypatch: pytest.MonkeyPatch, ids: set[str] | None = None) -> None:
    """Every Pipeline's ``analyze`` raises an internal error (for ``ids`` only, when given)."""
    real = Pipeline.analyze

    def analyze(self, article, doc=None):
        if ids is None or article.id in ids:
            raise KeyError("a private attribute spaCy removed")
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "analyze", analyze)


def test_cli_invalid_setting_is_an_error_without_traceback(tmp_path: Path, bundled_corpus: Path,
                                                           monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CLAIM_ATLAS_TILES", "osmm")
    monkeypatch.setenv("CLAIM_ATLAS_WORKERS", "many")
    for argv in (["ingest", str(bundled_corpus), "--db", str(tmp_path / "x.sqlite"), "-q"],
                 ["evaluate", str(bundled_corpus), str(tmp_path)], ["gazetteer", "lookup", "Ganja"]):
        assert main(argv) == 2, argv
        out, err = capsys.readouterr()
        assert err.startswith("error: invalid settings: CLAIM_ATLAS_TILES='osmm' is not valid (accepted: none, osm); "
                              "CLAIM_ATLAS_WORKERS='many' is not valid (accepted: a whole number >= 1)"), err
        assert "Traceback" not in err and not out
    assert not (tmp_path / "x.sqlite").exists()


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_internal_error_exits_2_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys, caplog: pytest.LogCaptureFixture) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "good1.txt").write_text(GOOD_1, encoding="utf-8")
    (folder / "good2.txt").write_text(GOOD_2, encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    _fail_analysis(monkeypatch, {"good1"})
    code = main(["ingest", str(folder), "--db", str(tmp_path / "cli.sqlite"), "-q"])
    out, err = capsys.readouterr()
    assert code == 2  # an internal error outranks a rejected file (1)
    assert "1 added" in out and "1 rejected, 1 failed;" in out
    failed = [line for line in err.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and "good1.txt: internal error (not a problem with the article)" in failed[0]
    assert "KeyError" in failed[0] and "traceback is in the log" in failed[0]
    assert "error: 1 articles failed with an internal error" in err
    assert [line for line in err.splitlines() if line.startswith("rejected")] == [
        "rejected  empty.txt: empty: the file has no text"]
    assert "Traceback (most recent call last)" in caplog.text and "good1.txt" in caplog.text


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_stops_after_internal_errors_in_a_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys) -> None:
    from geo.pipeline.ingest import MAX_INTERNAL_ERRORS_IN_A_ROW

    folder = tmp_path / "incoming"
    folder.mkdir()
    n = MAX_INTERNAL_ERRORS_IN_A_ROW + 2
    for i in range(n):
        (folder / f"a{i}.txt").write_text(GOOD_1.replace("two more weeks", f"{i + 2} more weeks"), encoding="utf-8")
    _fail_analysis(monkeypatch)
    db = tmp_path / "cli.sqlite"
    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{n} files: 0 added" in out and f"{MAX_INTERNAL_ERRORS_IN_A_ROW} failed, 2 not processed;" in out
    assert (f"error: the ingest stopped after {MAX_INTERNAL_ERRORS_IN_A_ROW} internal errors in a row "
            "(the last: KeyError") in err
    assert "2 articles were not processed" in err
    assert len([line for line in err.splitlines() if line.startswith("failed")]) == MAX_INTERNAL_ERRORS_IN_A_ROW
    store = Store(db)
    assert store.counts()["articles"] == 0
    store.close()


def test_cli_ingest_refuses_a_store_of_a_newer_version(tmp_path: Path, bundled_corpus: Path, capsys) -> None:
    import sqlite3

    from geo.store.migrations import LATEST_VERSION

    db = tmp_path / "newer.sqlite"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.close()
    assert main(["ingest", str(bundled_corpus), "--db", str(db), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {db} is a store of a newer Claim Atlas") and "Traceback" not in err


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_computes_no_metrics_over_internal_errors(bundled_corpus: Path, gold_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _fail_analysis(monkeypatch, {"000"})
    assert main(["evaluate", str(bundled_corpus), str(gold_dir), "--json"]) == 2
    out, err = capsys.readouterr()
    assert not out
    assert "failed    000_f057f2a1b5855616.txt: internal error" in err
    assert "error: 1 of 2 articles were not analysed because of internal errors" in err


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_evaluate_warns_of_rejected_articles_and_scores_the_rest(
        bundled_corpus: Path, gold_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from geo.text.corpus import ArticleRejected

    real = Pipeline.analyze

    def analyze(self, article, doc=None):
        if article.id == "000":
            raise ArticleRejected("does not look like English")
        return real(self, article, doc)

    monkeypatch.setattr(Pipeline, "analyze", analyze)
    assert main(["evaluate", str(bundled_corpus), str(gold_dir), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "warning: 000_f057f2a1b5855616.txt: does not look like English" in err
    assert json.loads(out)["toponym_recall"] < 1.0  # the rejected article's places count as missed


def test_cli_unexpected_exception_is_an_internal_error_with_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys, caplog: pytest.LogCaptureFixture) -> None:
    import geo.gazetteer.index

    def broken(settings):
        raise AttributeError("'NoneType' object has no attribute 'candidates'")

    monkeypatch.setattr(geo.gazetteer.index, "get_gazetteer", broken)
    assert main(["gazetteer", "lookup", "Ganja"]) == 2
    err = capsys.readouterr().err
    assert "error: internal error running 'gazetteer'" in err
    assert "Traceback (most recent call last)" in caplog.text and "in broken" in caplog.text
