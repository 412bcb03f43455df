"""Uploaded files in the Add articles page (issue 14, point 8): metadata a file says of itself,
zips and manifests unpacked with bounds. Every input is made here."""

from __future__ import annotations

import io
import zipfile

from geo.text.corpus import parse_manifest
from geo.text.uploads import (
    MAX_ZIP_ENTRIES,
    article_metadata,
    dateline_date,
    dateline_source,
    manifest_metadata,
    unpack_uploads,
)

HTML = b"""<!DOCTYPE html><html><head><title>Ignored title tag | Daily Planet</title>
<meta property="og:title" content="Storm floods the harbour of a coastal town">
<meta property="og:site_name" content="Daily Planet">
<meta property="article:published_time" content="2021-03-04T08:00:00Z">
<link rel="canonical" href="https://planet.example/storm"></head>
<body><article><p>Residents said the storm flooded the harbour overnight, and the ferry would not sail.</p>
</article></body></html>"""


def test_datelines_give_a_date_and_an_agency() -> None:
    assert dateline_date("TBILISI, October 12, 2020 (Reuters) - Officials said ...") == "2020-10-12"
    assert dateline_date("Published 5 Nov 2019\n\nThe council met ...") == "2019-11-05"
    assert dateline_date("Updated: 2018-02-28 10:00\nText") == "2018-02-28"
    assert dateline_date("Oct 5 - no year here, so no date") is None
    assert dateline_date("February 30, 2020: not a day") is None
    assert dateline_date("On 1 January 9999 the sun rose") is None  # outside the accepted range
    assert dateline_date("x" * 1000 + " October 12, 2020") is None  # not in the first lines
    assert dateline_source("MOSCOW, Oct 5 (Reuters) - The ministry said") == "Reuters"
    assert dateline_source("YEREVAN (AP) \u2014 Shelling") == "AP"
    assert dateline_source("The (small) town said - nothing") == ""


def test_html_meta_tags_fill_title_source_date_and_url() -> None:
    meta = article_metadata(HTML, "Residents said the storm flooded the harbour overnight.")
    assert meta["title"] == "Storm floods the harbour of a coastal town"
    assert meta["source"] == "Daily Planet"
    assert meta["published"] == "2021-03-04"
    assert meta["url"] == "https://planet.example/storm"


def test_plain_text_falls_back_to_its_first_line_and_dateline() -> None:
    text = "\n  Floods in the valley  \nBAKU, 3 April 2020 (AFP) - Rivers rose ..."
    meta = article_metadata(text.encode(), text)
    assert meta == {"title": "Floods in the valley", "source": "", "published": "2020-04-03", "url": ""}
    hostile = "<script>" * 200 + "\n" + "é" * 5000
    meta = article_metadata(hostile.encode(), hostile)
    assert len(meta["title"]) <= 300 and meta["published"] == ""


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_with_a_manifest_is_unpacked_with_bounds() -> None:
    manifest = b"id,file,source,url,published,title,language\na1,a.txt,Wire,,2020-10-05,Title A,en\n"
    data = _zip({"corpus/manifest.csv": manifest, "corpus/a.txt": b"Some news.", "corpus/b.html": b"<p>x</p>",
                 "corpus/big.txt": b"y" * 5000, "corpus/notes.pdf": b"%PDF", "__MACOSX/._a.txt": b"junk",
                 "corpus/bomb.txt": b"\0" * 10_000_000})
    batch = unpack_uploads([("corpus.zip", len(data), data), ("c.txt", 3, b"abc")], limit=4000)
    assert set(batch.files) == {"a.txt", "b.html", "c.txt"} and batch.manifest == manifest
    reasons = {e.where: e.reason for e in batch.refused}
    assert "too large" in reasons["corpus.zip: big.txt"] and "too large" in reasons["corpus.zip: bomb.txt"]
    assert "not a .txt" in reasons["notes.pdf"]
    broken = unpack_uploads([("broken.zip", 10, b"PK\x03\x04 not really")], limit=4000)
    assert broken.files == {} and "not a readable zip" in broken.refused[0].reason
    many = _zip({f"f{i}.txt": b"x" for i in range(MAX_ZIP_ENTRIES + 3)})
    batch = unpack_uploads([("many.zip", len(many), many)], limit=4000)
    assert len(batch.files) == MAX_ZIP_ENTRIES and "3 entries" in batch.refused[-1].reason


def test_an_uploaded_manifest_keeps_its_valid_rows_and_names_the_bad_ones_by_line() -> None:
    raw = ("id,file,source,url,published,title,language\n"
           "ok1,a.txt,Wire,https://x.example/a,2020-10-05,Title A,en\n"
           "bad id!,b.txt,Wire,,2020-10-05,,en\n"
           "ok2,c.txt,Paper,,9999-12-31,,en\n"
           'ok3,d.txt,"Paper, Inc",,2020-10-06,"Quoted, title",en,extra\n'
           'ok4,e.txt,"never closed,,,\n'
           "ok5,../f.txt,Paper,,,,en\n"
           "ok6,g.txt,Caf\xe9 Press,,2020-10-07,,de\n").encode("cp1252")
    rows, errors = parse_manifest(raw)
    assert [r["id"] for r in rows] == ["ok1", "ok6"]
    lines = {e.where: e.reason for e in errors}
    assert set(lines) == {f"manifest.csv line {n}" for n in (3, 4, 5, 6, 7)}, lines
    assert "outside the accepted range" in lines["manifest.csv line 4"]
    meta = manifest_metadata(rows)
    assert meta["a.txt"]["source"] == "Wire" and meta["a.txt"]["line"] == "2"
    assert meta["g.txt"]["source"] == "Café Press" and meta["g.txt"]["language"] == "de"
