"""Files uploaded in the app's Add articles page: what each says of itself (title, source, date,
URL), and zips and ``manifest.csv`` files unpacked (issue 14, point 8).

Everything here reads untrusted bytes: a zip is read entry by entry, each entry checked by its
declared size and read no further than the article limit, with a cap on the entries and on the
bytes unpacked in all (a zip bomb costs its first few megabytes, not the server's memory).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath

from geo.text.corpus import ARTICLE_SUFFIXES, ArticleError, parse_published, published_problem
from geo.text.html import _HTML_START

#: The most entries of one zip read (the others are named in one error), and the most bytes
#: unpacked from one zip in all.
MAX_ZIP_ENTRIES = 500
MAX_ZIP_BYTES = 100 * 1024 * 1024

_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                            "nov", "dec"))}
_MONTH = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|" \
         r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
# A dateline's date: ISO, "October 5, 2020", "5 October 2020" (a year is required: "Oct 5" alone
# could be any year).
_DATES = (re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)\b"),
          re.compile(_MONTH + r"\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
          re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>(?:19|20)\d\d)\b", re.I))
# "MOSCOW, Oct 5 (Reuters) -", "TBILISI (AP) —": an agency in brackets before a dash.
_DATELINE_SOURCE = re.compile(r"^[^\n(]{0,80}\((?P<source>[A-Z][\w .&'-]{1,40})\)\s*[-\u2013\u2014:]")
#: How far into a text its dateline is looked for.
DATELINE_CHARS = 400


def dateline_date(text: str) -> str | None:
    """The ISO date in the first lines of a text (a dateline, "Published 5 October 2020"),
    within the accepted publication range, else None."""
    head = text[:DATELINE_CHARS]
    found: list[tuple[int, str]] = []
    for pattern in _DATES:
        m = pattern.search(head)
        if m is None:
            continue
        try:
            month = int(m.group("mon")) if "mon" in pattern.groupindex else _MONTHS[m.group("month")[:3].lower()]
            day = date(int(m.group("year")), month, int(m.group("day"))).isoformat()
        except (ValueError, KeyError):
            continue
        if published_problem(day) is None:
            found.append((m.start(), day))
    return min(found)[1] if found else None


def dateline_source(text: str) -> str:
    """The agency a first-line dateline names ("MOSCOW (Reuters) -"), else ""."""
    m = _DATELINE_SOURCE.match(text[:DATELINE_CHARS].lstrip())
    return m.group("source").strip() if m else ""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def article_metadata(data: bytes, text: str) -> dict[str, str]:
    """What a file says of itself: for HTML its meta tags (title, site name, publication date,
    canonical URL; read by trafilatura), else (and for what they lack) the text's first line as
    title and its dateline's date and agency. Keys ``title``, ``source``, ``published`` (ISO or
    ""), ``url``; each value short and plain (the page escapes them anyway)."""
    meta = {"title": "", "source": "", "published": "", "url": ""}
    if _HTML_START.match(data[:1024]):
        try:
            import trafilatura

            doc = trafilatura.extract_metadata(data.decode("utf-8", errors="replace"))
        except Exception:  # noqa: BLE001 - unreadable metadata is no metadata
            doc = None
        if doc is not None:
            meta["title"] = str(doc.title or "")
            meta["source"] = str(doc.sitename or "")
            meta["published"] = parse_published(str(doc.date or "")) or ""
            meta["url"] = str(doc.url or "") if str(doc.url or "").startswith(("http://", "https://")) else ""
    if meta["published"] and published_problem(meta["published"]):
        meta["published"] = ""
    meta["title"] = meta["title"] or _first_line(text)
    meta["source"] = meta["source"] or dateline_source(text)
    meta["published"] = meta["published"] or dateline_date(text) or ""
    return {k: " ".join(v.split())[:300] for k, v in meta.items()}


@dataclass
class UploadBatch:
    """Uploaded files unpacked: the articles' bytes by file name, the manifest's bytes (if one
    was uploaded, alone or in a zip), and what was refused, each with the reason."""

    files: dict[str, bytes] = field(default_factory=dict)
    manifest: bytes | None = None
    refused: list[ArticleError] = field(default_factory=list)


def unpack_uploads(uploads: list[tuple[str, int, bytes | None]], limit: int) -> UploadBatch:
    """``(name, size, bytes)`` uploads (bytes None: too large, not read) as articles, a manifest
    and refusals. A zip's articles and manifest count as uploaded files (by their base names);
    a file name given twice keeps its first file."""
    batch = UploadBatch()

    def add(name: str, size: int, data: bytes | None) -> None:
        lower = name.lower()
        if lower == "manifest.csv" or lower.endswith("/manifest.csv"):
            if batch.manifest is not None:
                batch.refused.append(ArticleError(name, "a second manifest.csv: only the first is read"))
            else:
                batch.manifest = data or b""
            return
        if PurePosixPath(lower).suffix not in ARTICLE_SUFFIXES:
            batch.refused.append(ArticleError(name, "not a .txt, .html or .htm file"))
        elif data is None or size > limit:
            batch.refused.append(ArticleError(name, f"too large: {size:,} bytes (the limit is {limit:,}; set "
                                                    "CLAIM_ATLAS_MAX_ARTICLE_BYTES to change it)"))
        elif name in batch.files:
            batch.refused.append(ArticleError(name, "a second file of this name: only the first is read"))
        else:
            batch.files[name] = data

    for name, size, data in uploads:
        if name.lower().endswith(".zip"):
            _unpack_zip(name, data or b"", limit, add, batch.refused)
        else:
            add(name, size, data)
    return batch


def _unpack_zip(zip_name: str, data: bytes, limit: int, add: Callable[[str, int, bytes | None], None],
                refused: list[ArticleError]) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        refused.append(ArticleError(zip_name, f"not a readable zip ({exc})"))
        return
    unpacked = 0
    for k, info in enumerate(entries):
        base = PurePosixPath(info.filename.replace("\\", "/")).name
        where = f"{zip_name}: {base or info.filename[:80]}"
        if k >= MAX_ZIP_ENTRIES:
            refused.append(ArticleError(zip_name, f"{len(entries) - MAX_ZIP_ENTRIES} entries after the first "
                                                  f"{MAX_ZIP_ENTRIES} not read"))
            return
        if base.startswith(".") or "__MACOSX" in info.filename:
            continue  # a system's own files, not articles
        cap = limit if base.lower() != "manifest.csv" else 10 * 1024 * 1024
        if info.file_size > cap or unpacked + info.file_size > MAX_ZIP_BYTES:
            refused.append(ArticleError(where, f"too large: {info.file_size:,} bytes unpacked (the limit is "
                                               f"{cap:,} per file and {MAX_ZIP_BYTES:,} per zip)"))
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(cap + 1)  # no further than the limit, whatever the header says
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as exc:
            refused.append(ArticleError(where, f"cannot be unpacked ({exc})"))
            continue
        unpacked += len(content)
        if len(content) > cap:  # its header understated its size
            refused.append(ArticleError(where, f"too large: more than {cap:,} bytes unpacked"))
            continue
        add(base, len(content), content)


def manifest_metadata(rows: list[dict]) -> dict[str, dict[str, str]]:
    """The manifest's valid rows by file name (the first row naming a file), as metadata."""
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        out.setdefault(row["file"], {"id": row.get("id", ""), "title": row.get("title", ""),
                                     "source": row.get("source", ""), "url": row.get("url", ""),
                                     "published": parse_published(row.get("published")) or "",
                                     "language": row.get("language", ""), "line": row.get("_row", "")})
    return out

