"""Search that understands: a follower's words turned into index terms, and ranked hits.

A query is folded to Simplified, its glossary ideas (人口贩运, trafficking) become idea terms,
Chinese is segmented with jieba, and a Latin word the issues do not have is corrected to the
nearest one they have (rapidfuzz; a few edits for longer words). Hits are ranked by the share
of terms they have, then by the terms' weights (titles above body text above captions).
"""

from __future__ import annotations

import math
import threading

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.followers.keywords import typo_limit
from bot.newsletter import glossary, store
from bot.newsletter import tokens as tk
from bot.webhook import content_cache
from bot.webhook.content_cache import ContentReads

# Stories are what people look for first; events and policy items come close behind.
KIND_WEIGHT = {"stories": 1.0, "events": 0.8, "policies": 0.8}
KINDS = tuple(KIND_WEIGHT)

# (index version, its words sorted, the same as a set, the corrections made against them):
# followers repeat their typos and greetings, so each word is looked up once per version.
_vocab: tuple[int, list[str], frozenset[str], dict[str, str | None]] = (-1, [], frozenset(), {})
_vocab_lock = threading.Lock()
MAX_CORRECTIONS = 20000


def vocabulary(r, version: int | None = None) -> list[str]:
    """The issues' Latin words and the glossary's, reloaded only when the index changed."""
    return _vocabulary(r, version)[1]


def _vocabulary(r, version: int | None) -> tuple:
    global _vocab
    if isinstance(r, ContentReads):
        # The webhook's copy of this database's content for its index version keeps it.
        held = r.cache.get(("vocabulary",))
        if held is None:
            held = _load(r, version)
            content_cache.keep(r.cache, ("vocabulary",), held)
        return held
    if version is None:
        version = store.index_version(r)
    if _vocab[0] != version:
        with _vocab_lock:
            if _vocab[0] != version:
                _vocab = _load(r, version)
    return _vocab


def _load(r, version: int | None) -> tuple:
    words = store.vocabulary_of(r)
    words.update(w for w in glossary.load().english if w.isalpha() and len(w) >= 4)
    return (version, sorted(words), frozenset(words), {})


def _correct(word: str, known: list[str]) -> str | None:
    """The issues' word nearest to a typo, None when none is near enough."""
    limit = typo_limit(word)
    if not limit or not word.isalpha():
        return None
    best = process.extractOne(word, known, scorer=OSA.distance, score_cutoff=limit)
    return best[0] if best else None


def query_terms(r, text: str, version: int | None = None) -> list[str]:
    """The index terms a query looks for (ideas, words, typos corrected), in order, once."""
    text = tk.simplified(text.casefold())
    g = glossary.load()
    terms: list[str] = []
    rest = text
    if g.chinese_re is not None and not text.isascii():
        terms += [g.chinese[m] for m in g.chinese_re.findall(rest)]
        rest = g.chinese_re.sub(" ", rest)
    if g.english_re is not None:
        terms += [g.english[m.lower()] for m in g.english_re.findall(rest)]
        rest = g.english_re.sub(" ", rest)
    if not rest.isascii():
        terms += tk.chinese_words(rest)
    words = tk.latin_words(rest)
    if words:
        _, known, known_set, corrections = _vocabulary(r, version)
        for word in words:
            if word not in known_set and not word.isdigit():
                if word not in corrections:
                    if len(corrections) > MAX_CORRECTIONS:
                        corrections.clear()
                    corrections[word] = _correct(word, known)
                word = corrections[word] or word
            terms.append(g.english.get(word, word))
    return list(dict.fromkeys(terms))


def ranked(
    r, text: str, version: int | None = None, limit: int = 15
) -> tuple[list[tuple[float, str, str]], int]:
    """The best hits for the query as (score, kind, member JSON), best first, and how many
    there are in all; an item needs half the terms or more. Members are parsed by the caller,
    only those it shows."""
    return rank(r, query_terms(r, text, version), limit)


def rank(
    r, terms: list[str], limit: int = 15, lists: dict | None = None
) -> tuple[list[tuple[float, str, str]], int]:
    """ranked() for the query's terms; `lists` are their word indexes when read already
    (store.postings for KINDS)."""
    if not terms:
        return [], 0
    need = math.ceil(len(terms) / 2)
    hits = []
    total = 0
    found = store.match_scores(r, KINDS, terms, need=need, limit=limit, lists=lists)
    for kind, kind_weight in KIND_WEIGHT.items():
        rows, count_of_kind = found[kind]
        total += count_of_kind
        for member, count, strength in rows:
            score = 10 * count / len(terms) + strength / len(terms) + kind_weight
            hits.append((score, kind, member))
    hits.sort(key=lambda h: -h[0])
    return hits[:limit], total
