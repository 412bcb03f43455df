"""Long texts cut into chunks of whole paragraphs (issue 14, point 13).

Parsing and the claim passes cost more than linear time in the length of one spaCy doc (each
claim looks at the doc's sentences, mentions and speakers), so a 2 MB article parsed as one doc
ran for minutes. Cut into chunks of bounded size, each analysed alone, the work is linear in the
text. A chunk ends after a blank line when it can, else after a line break, a sentence end, a
space, and only as a last resort in the middle of a word (a text of one huge "word").
"""

from __future__ import annotations

import re

#: Articles longer than this many characters are analysed in chunks of at most this size: a
#: long news article fits in one (context across chunks, such as a pronoun's speaker named
#: in an earlier chunk, is lost), while the quadratic passes stay cheap within each.
CHUNK_CHARS = 20_000

# The boundaries a chunk may end after, best first.
_BOUNDARIES = (re.compile(r"\n[ \t\r\f\v]*\n\s*"), re.compile(r"\n\s*"), re.compile(r"[.!?][\"'”’)\]]*\s+"),
               re.compile(r"\s+"))


def paragraph_chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """``text`` cut into ``(offset, chunk)`` pairs, in order, each chunk at most ``size``
    characters and ending at the best boundary in the second half of its window; the chunks
    joined are ``text``.

    >>> paragraph_chunks("one.\\n\\ntwo.\\n\\nthree.", 8)
    [(0, 'one.\\n\\n'), (6, 'two.\\n\\n'), (12, 'three.')]
    """
    if size < 2:
        raise ValueError("size must be at least 2")
    chunks: list[tuple[int, str]] = []
    pos = 0
    while len(text) - pos > size:
        cut = pos + size  # the last resort: a hard cut
        low = pos + size // 2
        for pattern in _BOUNDARIES:
            last = None
            for match in pattern.finditer(text, low, pos + size):
                if match.end() <= pos + size:
                    last = match
            if last is not None:
                cut = last.end()
                break
        chunks.append((pos, text[pos:cut]))
        pos = cut
    if pos < len(text) or not chunks:
        chunks.append((pos, text[pos:]))
    return chunks
