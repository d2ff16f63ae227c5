"""Search tokens shared by the indexes and by searches: English words, Chinese words and the
glossary's ideas (see bot/newsletter/glossary.py).

Chinese is segmented with jieba (and indexed also as bigrams, so that a word jieba splits
differently still matches); Traditional characters are folded to Simplified first. The
segmenter is made at process start (`warm()`), never on a follower's message.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import threading

from opencc import OpenCC

from bot.newsletter import glossary

_WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_POSSESSIVE_RE = re.compile(r"['’]s$")
_CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Words too common to narrow a search; a query made only of them finds nothing.
_STOPWORD_TEXT = (
    "a an and are as at be by for from has have in into is it its of on or our that the their "
    "this to was were will with about any me my please show some"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split(" "))
_ZH_STOPWORD_TEXT = (
    "的 了 和 与 及 在 是 有 关于 有关 相关 方面 什么 哪些 吗 呢 我 我们 请 查 查询 搜索"
)
ZH_STOPWORDS = frozenset([*_ZH_STOPWORD_TEXT.split(" "), "一下", "信息"])

_TO_SIMPLIFIED = OpenCC("t2s")
_jieba = None
_jieba_lock = threading.Lock()

# Index weights: a word in a title counts most, body text by how often it comes (saturating),
# captions and ornaments ("1951 - 2021") barely.
TITLE = "title"
BODY = "body"
CAPTION = "caption"


def warm() -> None:
    """Load jieba's dictionary and the glossary now (process start), not on a message."""
    _segmenter()
    glossary.load()


def _dictionary() -> bytes:
    """jieba's dictionary, made in memory: the glossary's Chinese terms and the words followers
    use with the bot. jieba's own dictionary (350 000 words) would cost each process about
    90 MB and a second to load, for nothing: the issues are in English, so only the
    glossary's words can match, and jieba's HMM still cuts the other words."""
    from bot.followers.keywords import KEYWORDS

    words = dict.fromkeys(glossary.load().chinese, 20000)
    for forms in KEYWORDS.values():
        for form in forms:
            words.update({w: 5000 for w in _CJK_RUN_RE.findall(form) if w not in words})
    words.update({w: 100000 for w in ZH_STOPWORDS})
    lines = "".join(f"{word} {freq}\n" for word, freq in words.items())
    return lines.encode()


def _segmenter():
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                # Loaded from memory, not from a file: jieba's initialize() would also write a
                # cache file, and the processes keep no local files.
                tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(io.BytesIO(_dictionary()))
                tokenizer.initialized = True
                _jieba = tokenizer
    return _jieba


def _tables(converter: OpenCC) -> list[dict[str, str]]:
    converter.convert("中")  # loads the tables
    return [table for group in converter._dict_chain_data for _, _, table in group]


def _may_change(converter: OpenCC) -> frozenset[str]:
    """Every character the converter may change: a one-character entry that converts it, or a
    place where a phrase entry converts it. A text holding none of them converts to itself."""
    found = set()
    for table in _tables(converter):
        for key, value in table.items():
            value = value.split(" ")[0]
            if len(key) != len(value):
                found.update(key)
            else:
                found.update(k for k, v in zip(key, value, strict=True) if k != v)
    return frozenset(found)


def _always_changes(converter: OpenCC) -> frozenset[str]:
    """Characters whose every conversion is another character (问 is always 問)."""
    return frozenset(
        key
        for table in _tables(converter)
        for key, value in table.items()
        if len(key) == 1 and key not in value.split(" ")
    )


def _changing_phrases(converter: OpenCC) -> tuple[frozenset[str], tuple[str, ...]]:
    """The one-character entries that change a character, and the phrases that change."""
    chars, phrases = set(), []
    for table in _tables(converter):
        for key, value in table.items():
            if value.split(" ")[0] != key:
                (chars.add if len(key) == 1 else phrases.append)(key)
    return frozenset(chars), tuple(phrases)


_TO_TRADITIONAL = OpenCC("s2t")
# A text without a changing character or phrase stays as it is (phrases by first character).
_T2S_CHARS, _phrases = _changing_phrases(_TO_SIMPLIFIED)
_T2S_PHRASES: dict[str, list[str]] = {}
for _phrase in _phrases:
    _T2S_PHRASES.setdefault(_phrase[0], []).append(_phrase)
_T2S_PHRASE_STARTS = frozenset(_T2S_PHRASES)
_S2T_MAY_CHANGE = _may_change(_TO_TRADITIONAL)
_SIMPLIFIED_ONLY = _always_changes(_TO_TRADITIONAL)


def simplified(text: str) -> str:
    """Traditional characters folded to Simplified. A text the converter cannot change (most
    messages) is returned as it is, without its phrase matching (a hundred microseconds)."""
    if text.isascii():
        return text
    if _T2S_CHARS.isdisjoint(text) and not any(
        phrase in text
        for start in _T2S_PHRASE_STARTS.intersection(text)
        for phrase in _T2S_PHRASES[start]
    ):
        return text
    return _TO_SIMPLIFIED.convert(text)


def has_simplified_only(text: str) -> bool:
    """Whether writing the text in Traditional characters changes it (it holds characters of
    Simplified Chinese only); decided by the characters alone when they suffice."""
    if text.isascii() or _S2T_MAY_CHANGE.isdisjoint(text):
        return False
    if not _SIMPLIFIED_ONLY.isdisjoint(text):
        return True
    return _TO_TRADITIONAL.convert(text) != text


def latin_words(text: str) -> list[str]:
    """Lower-cased English words in order, stop words and possessive 's dropped."""
    out = []
    for word in _WORD_RE.findall(text.lower()):
        word = _POSSESSIVE_RE.sub("", word)
        if len(word) > 1 and word not in STOPWORDS:
            out.append(word)
    return out


def chinese_words(text: str, bigrams: bool = False) -> list[str]:
    """Chinese words of a (Simplified) text by jieba, stop words dropped; with bigrams too."""
    out: list[str] = []
    for run in _CJK_RUN_RE.findall(text):
        out.extend(_run_words(run))
        if bigrams:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


@functools.lru_cache(maxsize=8192)
def _run_words(run: str) -> tuple[str, ...]:
    """jieba's words of one run of Chinese characters, stop words dropped; once per run and
    process (followers ask the same questions, and jieba costs tens of microseconds)."""
    return tuple(
        word
        for word in _segmenter().cut_for_search(run)
        if word not in ZH_STOPWORDS and (len(word) > 1 or len(run) == 1)
    )


def tokenize(text: str) -> set[str]:
    """Every token of a text: English words, Chinese words and bigrams, glossary ideas."""
    text = simplified(text)
    tokens = set(latin_words(text))
    if not text.isascii():
        tokens.update(chinese_words(text, bigrams=True))
    tokens.update(glossary.load().concepts(text))
    return tokens


def _counts(text: str) -> dict[str, int]:
    text = simplified(text)
    counts: dict[str, int] = {}
    words = latin_words(text)
    if not text.isascii():
        words += chinese_words(text, bigrams=True)
    g = glossary.load()
    # A single word of the glossary also stands for its idea inside a longer phrase ("fraud"
    # in "document fraud"), so a query for the broader idea finds it.
    words += [g.english[w] for w in words if w in g.english]
    if g.english_re is not None:
        words += [g.english[m.lower()] for m in g.english_re.findall(text)]
    if g.chinese_re is not None and not text.isascii():
        words += [g.chinese[m] for m in g.chinese_re.findall(text)]
    for word in words:
        counts[word] = counts.get(word, 0) + 1
    return counts


def is_ornament(paragraph: str) -> bool:
    """A line that decorates rather than tells: a caption, a date line, "1951 - 2021"."""
    text = paragraph.strip()
    if _CJK_RUN_RE.search(text):
        return len(text) < 30 and not text.endswith(("。", "！", "？"))
    words = re.findall(r"[A-Za-z]{2,}", text)
    return len(words) < 15 and not text.endswith((".", "!", "?", ":", ";", '"', "”"))


def weighted(fields: list[tuple[str, str]]) -> dict[str, float]:
    """Token weights of an item from its (kind, text) fields: 3 for a title, 1 to 2.5 for body
    text by the share of its paragraphs that name the token (a story about a thing names it
    throughout, a story that mentions it does so once), 0.2 for captions and ornaments."""
    weights: dict[str, float] = {}
    paragraphs = [text for kind, text in fields if kind == BODY]
    naming: dict[str, int] = {}
    for text in paragraphs:
        for token in _counts(text):
            naming[token] = naming.get(token, 0) + 1
    for kind, text in fields:
        if kind == BODY:
            continue
        bonus = 3.0 if kind == TITLE else 0.2
        for token in _counts(text):
            weights[token] = max(weights.get(token, 0.0), bonus)
    for token, n in naming.items():
        weights[token] = weights.get(token, 0.0) + 1.0 + 1.5 * n / len(paragraphs)
    return {t: round(w, 3) for t, w in weights.items()}
