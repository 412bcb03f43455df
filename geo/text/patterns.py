"""Regular expressions for long lists of literal words (aliases, country names, demonyms).

A flat alternation of a thousand words makes ``re`` try each word at every position of a text;
the same words laid out as a character trie are tried one character at a time. No kept package
builds such patterns for ``re`` (the ``trieregex`` and ``flashtext`` packages are unmaintained),
so this small builder is written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_alternation(words: Iterable[str]) -> str:
    r"""A non-capturing regex that matches any of ``words``, trying longer words first.

    It matches what the flat alternation ``(?:longest|...|shortest)`` matches (with the same
    backtracking to a shorter word when what follows rejects the longer one).

    >>> pattern = re.compile(r"\b" + trie_alternation(["Armenia", "Armenian", "Army"]) + r"\b")
    >>> [m.group() for m in pattern.finditer("Armenian Army of Armenia, Armenians")]
    ['Armenian', 'Army', 'Armenia']
    """
    trie: dict = {}
    for w in sorted(set(words)):
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def build(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if ends else body

    return "(?:" + build(trie) + ")"
