"""Hostile input at ingest (issue 14, points 11-16): every bad article or manifest row is rejected
with a clear message naming it, with no traceback, and every valid article of the batch is kept.

The hostile inputs are made here, in temporary folders (no binary is committed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from geo.cli import main
from geo.model import Article
from geo.store.sqlite import Store
from geo.text.corpus import content_hash, read_corpus

HEADER = "id,file,source,url,published,title,language\n"

ENGLISH = (
    "Residents of the coastal town said that the storm had flooded the harbour overnight, and "
    "that the ferry to the islands would not sail until the water was pumped out of the terminal. "
    "The mayor told reporters that the council was working with the army to clear the roads.\n"
)

NEWS = "Officials in Tbilisi said on Monday that {n} houses near Batumi had been damaged by the storm.\n"


def _folder(tmp_path: Path, manifest: str | bytes, files: dict[str, str | bytes]) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    data = manifest.encode("utf-8") if isinstance(manifest, str) else manifest
    (folder / "manifest.csv").write_bytes(data)
    for name, content in files.items():
        (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder


def _stored(db: Path) -> list[str]:
    store = Store(db)
    try:
        return sorted(store.articles_df()["corpus_id"])
    finally:
        store.close()


# --------------------------------------------------------------------------- 11. dates out of range


def test_publication_dates_out_of_range_are_rejected_naming_the_row(tmp_path: Path) -> None:
    next_year = date.today().year + 1
    folder = _folder(tmp_path, HEADER + "a,a.txt,s,,2020-10-05,,en\n"
                     "b,b.txt,s,,9999-12-31,,en\n"
                     "c,c.txt,s,,1899-12-31T10:00:00Z,,en\n"
                     f"d,d.txt,s,,{next_year + 1}-01-01,,en\n"
                     f"e,e.txt,s,,{next_year}-12-31,,en\n"
                     "f,f.txt,s,,1900-01-01,,en\n",
                     {f"{x}.txt": ENGLISH.replace("town", f"town {x}") for x in "abcdef"})
    articles, errors = read_corpus(folder)
    assert sorted(a.id for a in articles) == ["a", "e", "f"]
    assert [str(e).split(":")[0] for e in errors] == ["manifest.csv line 3", "manifest.csv line 4",
                                                      "manifest.csv line 5"]
    assert all("outside the accepted range 1900-01-01 to" in e.reason for e in errors)


@pytest.mark.integration
def test_ingest_rejects_an_article_dated_out_of_range(pipeline, store: Store) -> None:
    """Articles that reach the pipeline another way (the app's upload page, a script)."""
    articles = [Article(id=f"d{i}", text=NEWS.format(n=i + 2), source="test", published=published,
                        file=f"d{i}.txt", content_hash=content_hash(NEWS.format(n=i + 2)))
                for i, published in enumerate(["2020-10-05", "9999-12-31", "1066-10-14", None])]
    results = {r.name: r for r in pipeline.ingest(articles, store)}
    assert results["d1.txt"].status == results["d2.txt"].status == "rejected"
    assert "outside the accepted range" in results["d1.txt"].message
    assert results["d0.txt"].status == results["d3.txt"].status == "added"
    assert sorted(store.articles_df()["corpus_id"]) == ["d0", "d3"]


# --------------------------------------------------------------------------- 12. special and endless files


def _special_files_corpus(tmp_path: Path) -> Path:
    folder = _folder(tmp_path, HEADER + "good1,good1.txt,s,,2020-10-05,,en\n"
                     "zero,zero.txt,s,,2020-10-05,,en\n"
                     "pipe,pipe.txt,s,,2020-10-05,,en\n"
                     "dir,dir.txt,s,,2020-10-05,,en\n"
                     "urandom,random.txt,s,,2020-10-05,,en\n"
                     "abs,/dev/zero,s,,2020-10-05,,en\n"
                     "good2,good2.txt,s,,2020-10-06,,en\n",
                     {"good1.txt": NEWS.format(n=3), "good2.txt": NEWS.format(n=4)})
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "random.txt").symlink_to("/dev/urandom")
    os.mkfifo(folder / "pipe.txt")  # nobody writes to it: opening it to read would block forever
    (folder / "dir.txt").mkdir()
    return folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_special_and_endless_files_are_rejected_before_reading(tmp_path: Path) -> None:
    articles, errors = read_corpus(_special_files_corpus(tmp_path))
    assert [a.id for a in articles] == ["good1", "good2"]
    reasons = {e.where: e.reason for e in errors}
    assert reasons["zero.txt"].startswith("a character device, not a regular file")
    assert reasons["random.txt"].startswith("a character device, not a regular file")
    assert reasons["pipe.txt"].startswith("a named pipe (FIFO), not a regular file")
    assert reasons["dir.txt"].startswith("a folder, not a regular file")
    assert "invalid file name '/dev/zero'" in reasons["manifest.csv line 7"]


def test_a_file_larger_than_the_limit_is_rejected_without_reading_it(tmp_path: Path, settings) -> None:
    folder = _folder(tmp_path, HEADER + "big,big.txt,s,,,,en\nok,ok.txt,s,,,,en\n", {"ok.txt": ENGLISH})
    with open(folder / "big.txt", "wb") as f:  # sparse: 10 GB on paper, nothing on disk
        f.truncate(10 * 1024 ** 3)
    articles, errors = read_corpus(folder, settings)
    assert [a.id for a in articles] == ["ok"]
    assert [str(e) for e in errors] == [f"big.txt: too large: {10 * 1024 ** 3:,} bytes (the limit is "
                                        f"{settings.max_article_bytes:,}; set CLAIM_ATLAS_MAX_ARTICLE_BYTES to "
                                        "change it)"]


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_cli_ingest_stores_the_valid_rows_beside_special_files(tmp_path: Path, capsys) -> None:
    folder = _special_files_corpus(tmp_path)
    db = tmp_path / "cli.sqlite"
    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in err and "Error" not in err
    assert len([line for line in err.splitlines() if line.startswith("rejected")]) == 5
    assert "2 added" in out and "5 rejected" in out
    assert _stored(db) == ["good1", "good2"]


# --------------------------------------------------------------------------- 14. duplicates before analysis


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_of_100000_rows_naming_one_file_analyses_it_once(tmp_path: Path, capsys) -> None:
    rows = ["b,b.txt,s,,2020-10-05,,en", "c,c.txt,s,,2020-10-05,,en"]  # c: b's content in another file
    rows += [f"a{i},a.txt,s,,2020-10-05,,en" for i in range(100_000)]
    folder = _folder(tmp_path, HEADER + "".join(r + "\n" for r in rows),
                     {"a.txt": NEWS.format(n=3), "b.txt": NEWS.format(n=4), "c.txt": NEWS.format(n=4)})
    db = tmp_path / "cli.sqlite"
    started = time.perf_counter()
    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    print(f"100,002 rows naming 3 files: {seconds:.1f} s")  # seen with -s; about 4 s on a 2-core machine
    assert code == 0, err
    assert "2 added" in out and "100000 duplicate" in out
    assert err.strip() == ""  # duplicates are counted, not listed (-v lists them)
    assert _stored(db) == ["a0", "b"]


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_reports_100000_missing_files_compactly(tmp_path: Path, capsys) -> None:
    rows = [f"m{i},m{i}.txt,s,,2020-10-05,,en" for i in range(100_000)] + ["ok,ok.txt,s,,2020-10-05,,en"]
    folder = _folder(tmp_path, HEADER + "".join(r + "\n" for r in rows), {"ok.txt": NEWS.format(n=5)})
    db = tmp_path / "cli.sqlite"
    started = time.perf_counter()
    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    print(f"100,000 missing files: {seconds:.1f} s")  # about 2 s on a 2-core machine
    assert code == 1
    lines = err.splitlines()
    assert lines[:2] == ["rejected  m0.txt: file not found", "rejected  m1.txt: file not found"]
    assert lines[-1] == "rejected  ... and 99,990 more rejected for the same reason: file not found"
    assert len(lines) == 11 and "Traceback" not in err
    assert "1 added" in out and "100000 rejected" in out
    assert _stored(db) == ["ok"]


# --------------------------------------------------------------------------- 15. encodings and ragged rows


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_articles_with_a_byte_order_mark_are_decoded(tmp_path: Path, codec: str) -> None:
    text = ENGLISH.replace("town", "town of Sighnaghi")
    bom = {"utf-16": "", "utf-16-be": "\ufeff", "utf-32": ""}[codec]  # utf-16/32 write their own mark
    folder = _folder(tmp_path, HEADER + "u,u.txt,s,,,,en\nh,h.html,s,,,,en\n",
                     {"u.txt": (bom + text).encode(codec),
                      "h.html": (bom + f"<html><body><article><p>{text}</p></article></body></html>").encode(codec)})
    articles, errors = read_corpus(folder)
    assert errors == []
    assert [a.text for a in articles][0] == text
    assert "town of Sighnaghi" in articles[1].text and "<p>" not in articles[1].text


def test_a_latin1_manifest_keeps_every_row(tmp_path: Path) -> None:
    folder = _folder(tmp_path, (HEADER + "a,a.txt,Le Monde,,2020-10-05,Café au lait à Tbilissi,en\n"
                                "b,b.txt,Süddeutsche,,2020-10-06,,en\n").encode("latin-1"),
                     {"a.txt": ENGLISH, "b.txt": ENGLISH.replace("town", "village")})
    articles, errors = read_corpus(folder)
    assert errors == []
    assert [(a.id, a.title, a.source) for a in articles][:1] == [("a", "Café au lait à Tbilissi", "Le Monde")]
    assert articles[1].source == "Süddeutsche"


def test_ragged_and_broken_manifest_rows_cost_only_their_line(tmp_path: Path) -> None:
    good = {f"g{i}.txt": ENGLISH.replace("town", f"town {i}") for i in range(5)}
    manifest = (HEADER
                + "g0,g0.txt,s,,2020-10-05,First,en\n"                      # line 2
                + "r1,g0.txt,s,,2020-10-05,Too, many, fields,en\n"          # line 3: ragged
                + 'g1,g1.txt,s,,2020-10-05,"A title, with a comma",en\n'    # line 4
                + 'q1,g1.txt,s,,2020-10-05,"never closed,en\n'              # line 5: open quote
                + "g2,g2.txt,s,,2020-10-05\n"                               # line 6: short, still fine
                + 'g3,g3.txt,s,,2020-10-05,"two\nlines",en\n'               # lines 7-8
                + "x" * 200_000 + ",g4.txt\n"                               # line 9: a huge field
                + "g4,g4.txt,s,,2020-10-05,Last,en\n")                      # line 10
    folder = _folder(tmp_path, manifest, good)
    articles, errors = read_corpus(folder)
    assert [a.id for a in articles] == ["g0", "g1", "g2", "g3", "g4"]
    assert articles[1].title == "A title, with a comma" and articles[3].title == "two\nlines"
    reasons = {e.where: e.reason for e in errors}
    assert list(reasons) == ["manifest.csv line 3", "manifest.csv line 5", "manifest.csv line 9"]
    assert reasons["manifest.csv line 3"].startswith("has more fields than the header (9 against 7")
    assert "never closed" in reasons["manifest.csv line 5"]
    assert "field larger than field limit" in reasons["manifest.csv line 9"]


@pytest.mark.integration  # the CLI loads the model and the full gazetteer itself
def test_cli_ingest_keeps_the_valid_rows_of_a_latin1_ragged_manifest_with_utf16_articles(
        tmp_path: Path, capsys) -> None:
    manifest = (HEADER + "a,a.txt,Café,,2020-10-05,,en\n"
                "b,b.txt,s,,2020-10-05,,en,extra,fields\n"
                'c,c.txt,s,,2020-10-05,"open,en\n'
                "d,d.txt,s,,2020-10-06,,en\n").encode("latin-1")
    folder = _folder(tmp_path, manifest, {"a.txt": NEWS.format(n=3).encode("utf-16"),
                                          "b.txt": NEWS.format(n=4), "c.txt": NEWS.format(n=5),
                                          "d.txt": NEWS.format(n=6).encode("utf-16-le").join([b"\xff\xfe", b""])})
    db = tmp_path / "cli.sqlite"
    code = main(["ingest", str(folder), "--db", str(db), "-q"])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert sorted(line.split(":")[0] for line in err.splitlines()) == [
        "rejected  manifest.csv line 3", "rejected  manifest.csv line 4"]
    assert "2 added" in out and "2 rejected" in out
    assert _stored(db) == ["a", "d"]


# --------------------------------------------------------------------------- 16. workers of a killed ingest

_INGEST_WITH_WORKERS = """
import sys
from pathlib import Path

from geo.config import get_settings
from geo.model import Article
from geo.pipeline.ingest import Pipeline
from geo.store.sqlite import Store
from geo.text.corpus import content_hash

settings = get_settings().with_overrides(workers=2, db_path=Path(sys.argv[1]))
pipeline = Pipeline(settings)
pipeline.start_workers()
print(" ".join(str(pid) for pid in pipeline._pool._processes), flush=True)
texts = [f"Officials in Tbilisi said on Monday that {i} houses near Batumi had been damaged. " * 20
         for i in range(2000)]
pipeline.ingest([Article(id=f"k{i}", text=t, source="s", file=f"k{i}.txt", content_hash=content_hash(t))
                 for i, t in enumerate(texts)], Store(settings.db_path))
"""


def _running(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped by its new parent, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


@pytest.mark.integration  # the workers load the model and the full gazetteer
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_ingest_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "ingest.py"
    script.write_text(_INGEST_WITH_WORKERS)
    proc = subprocess.Popen([sys.executable, str(script), str(tmp_path / "k.sqlite")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        workers = [int(pid) for pid in line.split()]
        assert len(workers) == 2, (line, proc.stderr.read() if proc.stderr else "")
        time.sleep(1.0)  # the workers are parsing the first batches
        assert all(_running(pid) for pid in workers)
        proc.kill()  # SIGKILL: the ingest can stop nothing
        proc.wait(timeout=10)
        started = time.perf_counter()
        while any(_running(pid) for pid in workers) and time.perf_counter() - started < 10:
            time.sleep(0.1)
        print(f"workers gone {time.perf_counter() - started:.1f} s after kill -9")  # seen with -s
        assert not any(_running(pid) for pid in workers), "the workers outlived their killed ingest"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers:  # only if the test failed: do not leave them running
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- 13. long articles


def test_long_texts_are_cut_into_bounded_chunks_that_join_back() -> None:
    """Paragraph breaks first, then line breaks, sentence ends, spaces, and a hard cut only in a
    text without any (hostile shapes made here)."""
    from geo.text.chunks import paragraph_chunks
    from tests.long_article import long_article

    news = long_article(60_000, seed=3)
    shapes = {"news": news, "one line": news.replace("\n", " "), "no spaces": "a" * 45_000,
              "only newlines": "\n" * 30_000, "accents": "é" * 25_000 + "\n\n" + "ü " * 20_000, "short": "Hi."}
    for name, text in shapes.items():
        chunks = paragraph_chunks(text, 10_000)
        assert "".join(c for _, c in chunks) == text, name
        assert all(0 < len(c) <= 10_000 for _, c in chunks), name
        assert [o for o, _ in chunks] == [sum(len(c) for _, c in chunks[:k]) for k in range(len(chunks))], name
    # news paragraphs are kept whole: every chunk but the last ends at a blank line
    assert all(c.endswith("\n\n") for _, c in paragraph_chunks(news, 10_000)[:-1])
    assert all(c.rstrip().endswith(".") and c[-1] == " " for _, c in paragraph_chunks(shapes["one line"], 10_000)[:-1])


@pytest.mark.integration
def test_a_long_article_is_analysed_in_chunks_and_stored_with_the_valid_articles_of_its_batch(
        pipeline, store: Store) -> None:
    """A generated article of many paragraphs (several chunks) is stored with the short ones of its
    batch; its place names and claims carry the whole article's offsets; progress is told."""
    from geo.text.chunks import CHUNK_CHARS
    from tests.long_article import long_article

    text = long_article(4 * CHUNK_CHARS + 1234, seed=7)
    articles = [Article(id="long", text=text, source="Wire", published="2020-10-05", file="long.txt",
                        content_hash=content_hash(text))]
    articles += [Article(id=f"s{i}", text=NEWS.format(n=i + 2), source="test", published="2020-10-06",
                         file=f"s{i}.txt", content_hash=content_hash(NEWS.format(n=i + 2))) for i in range(2)]
    told: list[tuple[str, int, int]] = []
    results = {r.name: r for r in pipeline.ingest(
        articles, store, chunk_progress=lambda name, done, total: told.append((name, done, total)))}
    assert [results[n].status for n in ("long.txt", "s0.txt", "s1.txt")] == ["added"] * 3, results
    assert told == [("long.txt", k, 5) for k in range(1, 6)]
    stored = store.articles_df(with_text=True).set_index("corpus_id")
    assert stored.loc["long", "text"] == text
    mentions = store.mentions_df()
    long_id = int(stored.loc["long", "id"])
    own = mentions.loc[mentions["article_id"] == long_id]
    assert len(own) > 400
    assert own["start"].max() > 3 * CHUNK_CHARS  # names of the last chunks, at their article offsets
    assert all(text[int(r.start):int(r.end)] == r.text and r.text in r.sentence for r in own.itertuples())
    claims = store.claims_df()
    long_claims = claims.loc[claims["article_id"] == long_id]
    assert len(long_claims) > 200 and long_claims["start"].max() > 3 * CHUNK_CHARS
    assert all(text[int(r.start):int(r.end)] == r.text for r in long_claims.itertuples())
