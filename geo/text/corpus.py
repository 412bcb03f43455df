"""Reading a corpus: a folder of articles (``.txt``, ``.html``) with a ``manifest.csv``.

Article text is untrusted input. Each bad file or manifest row gets a clear
:class:`ArticleError` with the reason, and never stops the others: empty, binary, too
large, undecodable or non-English articles, a missing file, a malformed row.

Offsets in the rest of the pipeline refer to the text returned here: the file decoded as
UTF-8 with universal newlines (as Python's ``open()`` reads it), or for HTML the main text
extracted by trafilatura.

>>> articles, errors = read_corpus(Path("data/articles"))   # doctest: +SKIP
>>> [a.id for a in articles]                                # doctest: +SKIP
['000', '004']
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from geo.config import Settings, get_settings
from geo.model import Article
from geo.text.html import _HTML_START, extract_html_text
from geo.text.langid import looks_english

ARTICLE_SUFFIXES = {".txt", ".html", ".htm"}
REQUIRED_COLUMNS = ("id", "file", "source", "url", "published", "title", "language")
#: The largest manifest read (some 500,000 rows): a bigger one is split, or it is hostile.
MAX_MANIFEST_BYTES = 100 * 1024 * 1024
_ID_OK = re.compile(r"^[\w.\-]{1,100}$")


@dataclass
class ArticleError:
    """Why one article (or manifest row) could not be read."""

    where: str  # file name or "manifest.csv line N"
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


class ArticleRejected(ValueError):
    """Raised by :func:`decode_article_bytes` with a reason fit to show to a user."""


def content_hash(text: str) -> str:
    """The identity of an article's content: re-ingesting the same text changes nothing."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def parse_published(value: str | None) -> str | None:
    """An ISO date (``YYYY-MM-DD``) from an ISO date or date-time, else None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


#: The earliest publication date accepted; the latest is the end of next year (:func:`published_range`).
EARLIEST_PUBLISHED = date(1900, 1, 1)


def published_range(today: date | None = None) -> tuple[date, date]:
    """The publication dates accepted at ingest: 1900-01-01 to the end of next year. Anything
    else is a typo or hostile (9999-12-31 once broke the Timeline), never a news article."""
    today = today or date.today()
    return EARLIEST_PUBLISHED, date(today.year + 1, 12, 31)


def published_problem(value: str | None) -> str | None:
    """Why an ISO publication date (as :func:`parse_published` returns) is not accepted, or None."""
    if not value:
        return None
    lo, hi = published_range()
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return f"published {value!r} is not an ISO date"
    if not lo <= day <= hi:
        return f"published {value!r} is outside the accepted range {lo.isoformat()} to {hi.isoformat()}"
    return None


def _decode_legacy(data: bytes) -> str:
    """Text that is not UTF-8: Windows-1252 (the usual legacy encoding of English news)
    when it decodes cleanly, else charset_normalizer's best guess."""
    try:
        text = data.decode("cp1252")
        if not any(0x80 <= ord(ch) <= 0x9F for ch in text):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ArticleRejected("not decodable as text (not UTF-8, and no other encoding fits)")
    return str(best)


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode_with_bom(data: bytes) -> str | None:
    """Text that starts with a UTF-16 or UTF-32 byte order mark (as Windows' Notepad and Excel
    write "Unicode" text), without the mark; None when there is none. Raises ArticleRejected
    when the bytes after the mark do not decode."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)  # the codec reads the mark for the byte order, and drops it
            except UnicodeDecodeError as exc:
                raise ArticleRejected(f"starts with a {codec.upper()} byte order mark but is not valid "
                                      f"{codec.upper()} text (byte {exc.start:,})") from None
    return None


def decode_article_bytes(data: bytes, name: str, settings: Settings | None = None,
                         *, is_html: bool | None = None, check_language: bool = True) -> str:
    """Decode and validate an article's bytes; return its text or raise ArticleRejected."""
    settings = settings or get_settings()
    if len(data) > settings.max_article_bytes:
        raise ArticleRejected(f"too large: {len(data):,} bytes (the limit is {settings.max_article_bytes:,}; "
                              "set CLAIM_ATLAS_MAX_ARTICLE_BYTES to change it)")
    if not data.strip():
        raise ArticleRejected("empty: the file has no text")
    bom_text = _decode_with_bom(data)
    if bom_text is not None:
        text, head = bom_text, bom_text[:512].encode("utf-8")
    else:
        if b"\x00" in data[:8192]:
            raise ArticleRejected("binary file (NUL bytes): expected UTF-8 text or HTML")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_legacy(data)
        head = data[:512]
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\t\f\v")
    if controls > max(10, len(text[:20000]) // 100):
        raise ArticleRejected("looks binary (many control characters): expected text or HTML")
    if is_html is None:
        is_html = name.lower().endswith((".html", ".htm")) or bool(_HTML_START.match(head))
    if is_html:
        text = extract_html_text(text)
        if not text:
            raise ArticleRejected("HTML page with no extractable article text")
    if not text.strip():
        raise ArticleRejected("empty: the file has only white space")
    if check_language and not looks_english(text):
        raise ArticleRejected("does not look like English: Claim Atlas reads English articles only "
                              "(translate it first, or mark language in the manifest)")
    return text


def _manifest_text(raw: bytes) -> str:
    """A manifest's text: UTF-8, or UTF-16/32 with a byte order mark. A line that is not UTF-8 is
    read as Windows-1252 (Latin-1), the usual encoding of a spreadsheet's older CSV export, so
    that it does not cost the other lines."""
    bom_text = _decode_with_bom(raw)
    if bom_text is not None:
        return bom_text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = []
    for line in raw.splitlines(keepends=True):
        try:
            lines.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                lines.append(line.decode("cp1252"))
            except UnicodeDecodeError:
                lines.append(line.decode("latin-1"))
    return "".join(lines).removeprefix("\ufeff")


#: Most physical lines one manifest record may span (a quoted field with line breaks): a quote
#: never closed costs its own line only, not the rest of the file.
MAX_RECORD_LINES = 50


def _manifest_records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """Each record of a manifest as (its first line's number, its fields), or (line number, why
    it cannot be read). A bad record is one line: the next line starts afresh."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        start, chunk = i, lines[i]
        i += 1
        while chunk.count('"') % 2 and i < len(lines) and i - start < MAX_RECORD_LINES:
            chunk += "\n" + lines[i]
            i += 1
        if chunk.count('"') % 2:
            yield start + 1, "has a quote (\") that is never closed"
            i = start + 1
            continue
        if not chunk.strip():
            continue
        try:  # strict: a quote closed anywhere but before a comma or a line end is an error, not a guess
            records = list(csv.reader(io.StringIO(chunk), strict=True))
            if len(records) != 1:
                raise csv.Error("not one row")
        except csv.Error as exc:
            spans = i - start > 1
            yield start + 1, (f"has a quote (\") that is never closed properly ({exc})" if spans
                              else f"is not a CSV row ({exc})")
            i = start + 1  # the next line starts afresh
            continue
        yield start + 1, records[0]


def read_manifest(folder: Path) -> tuple[list[dict], list[ArticleError]]:
    """The rows of ``folder/manifest.csv`` that are usable, and an error for each that is not,
    named by its line."""
    path = folder / "manifest.csv"
    try:
        raw = read_bounded(path, MAX_MANIFEST_BYTES, setting="MAX_MANIFEST_BYTES in geo/text/corpus.py")
    except ArticleRejected as exc:
        return [], [ArticleError("manifest.csv", str(exc))]
    return parse_manifest(raw)


def parse_manifest(raw: bytes) -> tuple[list[dict], list[ArticleError]]:
    """The usable rows of a manifest's bytes (the CLI's ``manifest.csv``, or one uploaded in the
    app), each with its line number as ``_row``, and an error for each row that is not, named by
    its line: a bad row costs only itself."""
    errors: list[ArticleError] = []
    if len(raw) > MAX_MANIFEST_BYTES:
        return [], [ArticleError("manifest.csv", f"too large: {len(raw):,} bytes (the limit is {MAX_MANIFEST_BYTES:,})")]
    try:
        records = _manifest_records(_manifest_text(raw))
    except ArticleRejected as exc:
        return [], [ArticleError("manifest.csv", str(exc))]
    first = next(records, None)
    if first is None or isinstance(first[1], str):
        return [], [ArticleError("manifest.csv", f"has no readable header line ({first[1] if first else 'empty'}); "
                                 f"expected {','.join(REQUIRED_COLUMNS)}")]
    header = [h.strip() for h in first[1]]
    missing = [c for c in ("id", "file") if c not in header]
    if missing:
        return [], [ArticleError("manifest.csv", f"header lacks the column(s) {', '.join(missing)}; "
                                 f"expected {','.join(REQUIRED_COLUMNS)}")]
    rows: list[dict] = []
    seen_ids: set[str] = set()
    for n, fields in records:
        where = f"manifest.csv line {n}"
        if isinstance(fields, str):
            errors.append(ArticleError(where, fields))
            continue
        if len(fields) > len(header):
            errors.append(ArticleError(where, f"has more fields than the header ({len(fields)} against "
                                       f"{len(header)}: an unquoted comma?)"))
            continue
        row = {k: v.strip() for k, v in zip(header, fields + [""] * (len(header) - len(fields)), strict=True)}
        if not any(row.values()):
            continue
        art_id, file = row.get("id", ""), row.get("file", "")
        if not art_id or not _ID_OK.match(art_id):
            errors.append(ArticleError(where, f"invalid id {art_id!r} (letters, digits, . _ - only)"))
            continue
        if art_id in seen_ids:
            errors.append(ArticleError(where, f"duplicate id {art_id!r}"))
            continue
        if not file or Path(file).name != file:
            errors.append(ArticleError(where, f"invalid file name {file!r} (a name inside the folder)"))
            continue
        if row.get("published"):
            published = parse_published(row["published"])
            problem = (f"published {row['published']!r} is not an ISO date" if published is None
                       else published_problem(published))
            if problem:
                errors.append(ArticleError(where, problem))
                continue
        seen_ids.add(art_id)
        row["_row"] = str(n)
        rows.append(row)
    return rows, errors


def read_article_file(path: Path, meta: dict | None = None, settings: Settings | None = None,
                      read: dict[str, tuple[str, str] | str] | None = None) -> Article:
    """One article from a file with its manifest metadata; raises ArticleRejected.

    ``read``, when given, remembers each file's text and hash (or why it was rejected) by path,
    so that many manifest rows naming one file read and check it once.
    """
    meta = meta or {}
    language = (meta.get("language") or "en").lower()
    if language and not language.startswith("en"):
        raise ArticleRejected(f"language {language!r} is not supported: Claim Atlas reads English articles only")
    known = read.get(str(path)) if read is not None else None
    if known is None:
        settings = settings or get_settings()
        try:
            text = decode_article_bytes(read_bounded(path, settings.max_article_bytes), path.name, settings)
            known = (text, content_hash(text))
        except ArticleRejected as exc:
            known = str(exc)
        if read is not None:
            read[str(path)] = known
    if isinstance(known, str):
        raise ArticleRejected(known)
    text, digest = known
    return Article(
        id=meta.get("id") or path.stem,
        text=text,
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        published=parse_published(meta.get("published")),
        title=meta.get("title") or _first_line(text),
        language=language or "en",
        file=path.name,
        content_hash=digest,
    )


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def read_bounded(path: Path, limit: int, *, setting: str = "CLAIM_ATLAS_MAX_ARTICLE_BYTES") -> bytes:
    """A regular file's bytes, at most ``limit``; raises ArticleRejected for anything else.

    The type and size are checked before the file is opened (a FIFO would block, ``/dev/zero``
    never ends), and no more than ``limit + 1`` bytes are read even if the file grows meanwhile.
    """
    def too_large(size: str) -> ArticleRejected:
        return ArticleRejected(f"too large: {size} bytes (the limit is {limit:,}; set {setting} to change it)")

    try:
        info = path.stat()  # follows a symbolic link, so a link to a device is a device
        if not stat.S_ISREG(info.st_mode):
            raise ArticleRejected(f"{_file_kind(info.st_mode)}, not a regular file: expected a text or HTML file")
        if info.st_size > limit:
            raise too_large(f"{info.st_size:,}")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # replaced between stat and open
                raise ArticleRejected("not a regular file: expected a text or HTML file")
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise ArticleRejected("file not found") from None
    except OSError as exc:
        raise ArticleRejected(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_large(f"more than {limit:,}")
    return data


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def read_corpus(folder: Path, settings: Settings | None = None) -> tuple[list[Article], list[ArticleError]]:
    """Every readable article of a corpus folder, and an error for every other one.

    With a manifest, its rows say which files are articles; without one, every
    ``.txt``/``.html`` file is an article named after its file.
    """
    folder = Path(folder)
    settings = settings or get_settings()
    articles: list[Article] = []
    errors: list[ArticleError] = []
    read: dict[str, tuple[str, str] | str] = {}  # each file is read once, however many rows name it
    if (folder / "manifest.csv").exists():
        rows, errors = read_manifest(folder)
        entries = [(folder / r["file"], r) for r in rows]
    else:
        entries = [(p, {}) for p in sorted(folder.iterdir()) if p.suffix.lower() in ARTICLE_SUFFIXES]
    for path, meta in entries:
        try:
            articles.append(read_article_file(path, meta, settings, read))
        except ArticleRejected as exc:
            errors.append(ArticleError(path.name, str(exc)))
    return articles, errors


def read_paths(paths: list[Path], settings: Settings | None = None) -> tuple[list[Article], list[ArticleError]]:
    """Articles from a mix of corpus folders and single files (the CLI's arguments)."""
    articles: list[Article] = []
    errors: list[ArticleError] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            a, e = read_corpus(path, settings)
            articles += a
            errors += e
        elif path.name == "manifest.csv" and path.is_file():
            a, e = read_corpus(path.parent, settings)
            articles += a
            errors += e
        elif path.exists():  # a file, or something else read_article_file names and rejects
            meta = {}
            if (path.parent / "manifest.csv").exists():
                rows, _ = read_manifest(path.parent)
                meta = next((r for r in rows if r["file"] == path.name), {})
            try:
                articles.append(read_article_file(path, meta, settings))
            except ArticleRejected as exc:
                errors.append(ArticleError(path.name, str(exc)))
        else:
            errors.append(ArticleError(str(path), "no such file or folder"))
    return articles, errors
