"""Keyword tokens shared by the indexes and by searches: English words and Chinese bigrams."""

from __future__ import annotations

import re

_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words too common to narrow a search; a query made only of them finds nothing.
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or our that the their "
    "this to was were will with"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split(" "))


def tokenize(text: str) -> set[str]:
    """Lower-cased English words (minus stop words, possessive 's dropped) and Chinese bigrams."""
    tokens: set[str] = set()
    for word in _WORD_RE.findall(text.lower()):
        word = re.sub(r"['’]s$", "", word)
        if len(word) > 1 and word not in STOPWORDS:
            tokens.add(word)
    for run in _CJK_RUN_RE.findall(text):
        if len(run) == 1:
            tokens.add(run)
        tokens.update(run[i : i + 2] for i in range(len(run) - 1))
    return tokens
