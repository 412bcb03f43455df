"""The readable text of an HTML article (trafilatura), for articles saved as web pages.
"""

from __future__ import annotations

import re

_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<article|<div|<p[\s>])", re.I)


def extract_html_text(raw: str) -> str:
    """The main text of an HTML page (boilerplate, scripts and markup removed)."""
    import trafilatura

    text = trafilatura.extract(raw, include_comments=False, include_tables=False, favor_recall=True)
    if not text:
        # Fall back to all visible text: better than losing a short page.
        from lxml import html as lxml_html

        try:
            tree = lxml_html.fromstring(raw)
            for bad in tree.xpath("//script|//style|//noscript"):
                bad.drop_tree()
            text = tree.text_content()
        except Exception:  # noqa: BLE001 - any parse failure means "no text"
            text = ""
    return (text or "").strip()
