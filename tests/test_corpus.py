"""Reading a corpus (geo/corpus.py): the bundled corpus, manifest errors, untrusted bytes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.config import Settings
from geo.text.corpus import (
    ArticleError,
    ArticleRejected,
    content_hash,
    decode_article_bytes,
    parse_published,
    read_corpus,
    read_manifest,
    read_paths,
)

HEADER = "id,file,source,url,published,title,language\n"

ENGLISH = (
    "Residents of the coastal town said that the storm had flooded the harbour overnight, and "
    "that the ferry to the islands would not sail until the water was pumped out of the terminal. "
    "The mayor told reporters that the council was working with the army to clear the roads.\n"
)


def write_corpus(folder: Path, rows: list[str], files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.csv").write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def where(errors: list[ArticleError]) -> list[str]:
    return [e.where for e in errors]


# --------------------------------------------------------------------------- the bundled corpus


def test_read_bundled_corpus(bundled_corpus: Path, settings: Settings) -> None:
    articles, errors = read_corpus(bundled_corpus, settings)
    assert errors == []
    assert [a.id for a in articles] == ["000", "004"]
    a0, a4 = articles
    assert a0.published == "2020-10-20" and a4.published == "2020-10-24"
    assert a0.file.endswith(".txt") and (bundled_corpus / a0.file).exists()
    assert a0.source and a0.title and a0.language == "en"
    for a in articles:
        assert a.content_hash == content_hash(a.text)
        assert len(a.text) > 1000
        assert "\r" not in a.text
        # Offsets refer to the file as Python's open() reads it.
        assert a.text == (bundled_corpus / a.file).read_text(encoding="utf-8")
    assert "Nagorno-Karabakh" in a0.text


def test_read_corpus_without_manifest(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "b.txt").write_text(ENGLISH, encoding="utf-8")
    (folder / "a.txt").write_text(ENGLISH.replace("storm", "gale"), encoding="utf-8")
    (folder / "notes.md").write_text("not an article", encoding="utf-8")
    articles, errors = read_corpus(folder, settings)
    assert errors == []
    assert [a.id for a in articles] == ["a", "b"]
    assert articles[0].title.startswith("Residents of the coastal town")


# --------------------------------------------------------------------------- manifest errors


@pytest.mark.parametrize("header", ["file,source,title\n", "id,source,title\n", "name,path\n"])
def test_manifest_missing_id_or_file_column(tmp_path: Path, header: str, settings: Settings) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "manifest.csv").write_text(header + "a,b,c\n", encoding="utf-8")
    (folder / "a.txt").write_text(ENGLISH, encoding="utf-8")
    articles, errors = read_corpus(folder, settings)
    assert articles == []
    assert len(errors) == 1 and errors[0].where == "manifest.csv"
    assert "column" in errors[0].reason


def test_manifest_row_errors_name_the_row_and_spare_the_others(tmp_path: Path, settings: Settings) -> None:
    good = ENGLISH
    rows = [
        "a1,a1.txt,Src,,2021-03-01,Good one,en",                     # line 2: fine
        "a1,a2.txt,Src,,2021-03-02,Duplicate id,en",                 # line 3: duplicate id
        "a3,a3.txt,Src,,yesterday,Bad date,en",                      # line 4: bad date
        "a4,../x.txt,Src,,2021-03-04,Traversal,en",                  # line 5: path traversal
        "a5,a5.txt,Src,,2021-03-05,Extra,en,unquoted, comma",        # line 6: extra fields
        "a6,missing.txt,Src,,2021-03-06,Missing file,en",            # line 7: file not found
        "a7,/etc/hostname,Src,,2021-03-07,Absolute path,en",         # line 8: outside the folder
        "bad id!,a8.txt,Src,,2021-03-08,Bad id,en",                  # line 9: invalid id
        "a9,a9.txt,Src,,2021-03-09T10:30:00Z,Good two,en",           # row 10: fine (date-time)
    ]
    files = {f"a{i}.txt": good.replace("storm", f"storm number {i}") for i in (1, 2, 3, 5, 8, 9)}
    (tmp_path / "x.txt").write_text(ENGLISH, encoding="utf-8")  # what '../x.txt' would reach
    folder = write_corpus(tmp_path / "corpus", rows, files)
    articles, errors = read_corpus(folder, settings)

    assert [a.id for a in articles] == ["a1", "a9"]
    assert articles[0].published == "2021-03-01" and articles[1].published == "2021-03-09"
    by_where = {e.where: e.reason for e in errors}
    assert "duplicate id" in by_where["manifest.csv line 3"]
    assert "not an ISO date" in by_where["manifest.csv line 4"]
    assert "invalid file name" in by_where["manifest.csv line 5"]
    assert "more fields" in by_where["manifest.csv line 6"]
    assert "file not found" in by_where["missing.txt"]
    assert "invalid file name" in by_where["manifest.csv line 8"]
    assert "invalid id" in by_where["manifest.csv line 9"]
    assert len(errors) == 7
    for e in errors:
        assert str(e) == f"{e.where}: {e.reason}"


def test_manifest_tolerates_bom_blank_rows_and_extra_columns(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    text = "\ufeffid,file,source,url,published,title,language,notes\n" \
           "n1,n1.txt,Src,https://example.org/1,2022-01-05,Title,en,some note\n" \
           ",,,,,,,\n"
    (folder / "manifest.csv").write_text(text, encoding="utf-8")
    (folder / "n1.txt").write_text(ENGLISH, encoding="utf-8")
    articles, errors = read_corpus(folder, settings)
    assert errors == []
    assert [(a.id, a.url, a.title) for a in articles] == [("n1", "https://example.org/1", "Title")]


def test_manifest_non_english_language_is_rejected(tmp_path: Path, settings: Settings) -> None:
    folder = write_corpus(tmp_path / "c", ["f1,f1.txt,Src,,2021-01-01,T,fr", "e1,e1.txt,Src,,2021-01-01,T,en"],
                          {"f1.txt": ENGLISH.replace("storm", "tempest"), "e1.txt": ENGLISH})
    articles, errors = read_corpus(folder, settings)
    assert [a.id for a in articles] == ["e1"]
    assert where(errors) == ["f1.txt"] and "English" in errors[0].reason


def test_unreadable_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "manifest.csv").write_bytes(b"id,file\n\xff\xfe\x00bad")  # a line that is not UTF-8: only it is lost
    rows, errors = read_manifest(folder)
    assert rows == [] and where(errors) == ["manifest.csv line 2"]
    (folder / "manifest.csv").write_bytes(b"\xff\xfe\x00\xd8")  # UTF-16 mark, then half a surrogate pair
    rows, errors = read_manifest(folder)
    assert rows == [] and where(errors) == ["manifest.csv"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2020-10-24", "2020-10-24"), ("2020-10-24T08:00:00Z", "2020-10-24"), ("2020-10-24 23:59", "2020-10-24"),
     ("", None), (None, None), ("24/10/2020", None), ("2020-13-01", None)],
)
def test_parse_published(value, expected) -> None:
    assert parse_published(value) == expected


# --------------------------------------------------------------------------- decode_article_bytes


@pytest.mark.parametrize("data", [b"", b"   \n\t \r\n  "])
def test_decode_empty_and_whitespace(data: bytes, settings: Settings) -> None:
    with pytest.raises(ArticleRejected, match="empty"):
        decode_article_bytes(data, "e.txt", settings)


def test_decode_binary(settings: Settings) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(ArticleRejected, match="binary"):
        decode_article_bytes(data, "picture.txt", settings)


def test_decode_control_characters_look_binary(settings: Settings) -> None:
    data = ("text " + "\x01\x02\x03\x04" * 50).encode()
    with pytest.raises(ArticleRejected, match="binary"):
        decode_article_bytes(data, "odd.txt", settings)


def test_decode_too_large(settings: Settings) -> None:
    small = settings.with_overrides(max_article_bytes=100)
    with pytest.raises(ArticleRejected, match="too large") as info:
        decode_article_bytes(ENGLISH.encode(), "big.txt", small)
    assert "CLAIM_ATLAS_MAX_ARTICLE_BYTES" in str(info.value)
    assert decode_article_bytes(ENGLISH.encode(), "big.txt", settings.with_overrides(max_article_bytes=10_000))


def test_decode_latin1(settings: Settings) -> None:
    text = ("Café owners in the old town of Genève said that the market was closed for the day and that "
            "the police had asked them to stay at home until the evening.")
    out = decode_article_bytes(text.encode("latin-1"), "latin.txt", settings)
    assert out == text


@pytest.mark.parametrize("text", [
    "The café owners of the old quarter said that the façade of the museum, damaged in the storm, would be "
    "repaired by the city before the summer festival in Genève.",
    "Genève and Zürich: the café, the crème brûlée, the naïve señor in São Paulo.",
], ids=["museum", "names"])
def test_decode_latin1_western_names_survive(text: str, settings: Settings) -> None:
    assert decode_article_bytes(text.encode("latin-1"), "latin.txt", settings, check_language=False) == text


def test_decode_strips_bom_and_normalises_newlines(settings: Settings) -> None:
    data = b"\xef\xbb\xbfFirst line of the report.\r\nSecond line.\rThird line.\n"
    out = decode_article_bytes(data, "crlf.txt", settings)
    assert out == "First line of the report.\nSecond line.\nThird line.\n"


HTML = b"""<!DOCTYPE html>
<html><head><title>Flood report</title>
<script>var tracker = "SCRIPT_PAYLOAD_ONE"; window.dataLayer = [];</script>
<style>.nav { color: red }</style></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/weather">Weather</a></li></ul></nav>
<article>
<h1>Storm floods the harbour</h1>
<p>Residents of the coastal town said that the storm had flooded the harbour overnight, and that the ferry
to the islands would not sail until the water was pumped out of the terminal building.</p>
<p>The mayor told reporters that the council was working with the army to clear the roads, and that the
schools would stay closed until the end of the week while engineers inspected the sea wall.</p>
<p>Forecasters warned that a second storm was expected on Sunday and asked people to stay away from the
beaches and the old pier.</p>
</article>
<footer>Copyright 2024 Example Media. All rights reserved. Privacy policy. Cookie settings.</footer>
<script>console.log("SCRIPT_PAYLOAD_TWO")</script>
</body></html>
"""


@pytest.mark.parametrize("name", ["page.html", "page.txt"])  # HTML detected by name or by content
def test_decode_html_extracts_the_article(name: str, settings: Settings) -> None:
    out = decode_article_bytes(HTML, name, settings)
    assert "flooded the harbour overnight" in out
    assert "second storm was expected on Sunday" in out
    assert "SCRIPT_PAYLOAD" not in out
    assert "dataLayer" not in out and "color: red" not in out
    assert "<p>" not in out and "<article>" not in out


def test_decode_html_without_text(settings: Settings) -> None:
    with pytest.raises(ArticleRejected, match="HTML"):
        decode_article_bytes(b"<html><body><script>var x = 1;</script></body></html>", "empty.html", settings)


FRENCH = (
    "Le gouvernement a annoncé mardi que les négociations reprendraient la semaine prochaine à Genève. "
    "Les deux parties ont accepté de respecter le cessez-le-feu, selon un communiqué publié par le ministère "
    "des affaires étrangères. Les observateurs internationaux restent prudents sur la durée de cette trêve."
)
GERMAN = (
    "Die Regierung hat am Dienstag angekündigt, dass die Verhandlungen in der nächsten Woche in Genf "
    "fortgesetzt werden. Beide Seiten haben zugestimmt, die Waffenruhe einzuhalten, wie das Außenministerium "
    "in einer Mitteilung erklärte. Internationale Beobachter sind noch nicht überzeugt, dass die Ruhe hält."
)
ARMENIAN = "Հայաստանի կառավարությունը երեկ հայտարարեց, որ բանակցությունները կվերսկսվեն հաջորդ շաբաթ։ " * 5


@pytest.mark.parametrize("text", [FRENCH, GERMAN, ARMENIAN], ids=["french", "german", "armenian"])
def test_decode_non_english_rejected(text: str, settings: Settings) -> None:
    with pytest.raises(ArticleRejected, match="English"):
        decode_article_bytes(text.encode("utf-8"), "foreign.txt", settings)
    # The language check can be turned off by the caller.
    assert decode_article_bytes(text.encode("utf-8"), "foreign.txt", settings, check_language=False)


def test_decode_english_with_foreign_place_names_accepted(settings: Settings) -> None:
    text = ("The delegation travelled from Xocavənd to Stepanakert and then on to Yerevan, where the "
            "ministers said that the talks in Genève and München had been useful for both of the sides.")
    assert decode_article_bytes(text.encode(), "en.txt", settings) == text


# --------------------------------------------------------------------------- read_paths


def test_read_paths_single_file_uses_its_manifest_row(bundled_corpus: Path, settings: Settings) -> None:
    articles, errors = read_paths([bundled_corpus / "004_fea761fde3cecd3d.txt"], settings)
    assert errors == []
    assert [a.id for a in articles] == ["004"]
    assert articles[0].published == "2020-10-24"


def test_read_paths_single_file_without_manifest(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "lone_report.txt"
    f.write_text(ENGLISH, encoding="utf-8")
    articles, errors = read_paths([f], settings)
    assert errors == [] and [a.id for a in articles] == ["lone_report"]
    assert articles[0].published is None


def test_read_paths_nonexistent_path(tmp_path: Path, settings: Settings) -> None:
    missing = tmp_path / "no_such_thing"
    articles, errors = read_paths([missing], settings)
    assert articles == []
    assert len(errors) == 1 and errors[0].where == str(missing)
    assert "no such file" in errors[0].reason


def test_read_paths_mix(tmp_path: Path, bundled_corpus: Path, settings: Settings) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(bundled_corpus, copy)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02" * 100)
    articles, errors = read_paths([copy / "manifest.csv", bad, tmp_path / "gone.txt"], settings)
    assert [a.id for a in articles] == ["000", "004"]
    assert where(errors) == ["bad.txt", str(tmp_path / "gone.txt")]
