"""What a follower's text asks for: normalisation, the keyword table, patterns and fuzzy matching.

`understand(text)` turns a message into an Intent (a name and its arguments). It is pure and
fast: no Redis, no I/O, so the reply path pays microseconds for it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# The keyword table: intent name -> the words that ask for it (already normalised).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "latest": (
        "latest",
        "newsletter",
        "new",
        "news",
        "latest issue",
        "new issue",
        "last issue",
        "current issue",
        "最新",
        "简报",
        "最新一期",
        "最新简报",
        "新一期",
        "本期",
    ),
    "archive": (
        "archive",
        "archives",
        "issues",
        "all issues",
        "past issues",
        "back issues",
        "往期",
        "往期简报",
        "历史",
        "全部简报",
        "所有简报",
    ),
    "events": (
        "events",
        "event",
        "upcoming",
        "coming soon",
        "upcoming events",
        "next events",
        "活动",
        "近期活动",
        "即将举行",
        "即将开展",
        "预告",
        "活动预告",
    ),
    "past_events": (
        "past events",
        "previous events",
        "events past",
        "往期活动",
        "过去的活动",
        "历史活动",
    ),
    "remind": ("remind", "remind me", "reminder", "reminders", "提醒", "提醒我"),
    "remind_next": (
        "remind next",
        "remind next issue",
        "remind issue",
        "remind me next issue",
        "提醒 下一期",
        "提醒下一期",
        "下一期提醒",
    ),
    "stop_reminders": (
        "stop reminders",
        "cancel reminders",
        "no reminders",
        "stop",
        "取消提醒",
        "停止提醒",
    ),
    "help": ("help", "?", "menu", "commands", "h", "帮助", "菜单", "指令", "怎么用"),
    "about": (
        "about",
        "about mmsp",
        "about mmsp ii",
        "mmsp",
        "mmsp ii",
        "关于",
        "项目介绍",
        "简介",
    ),
    "language": ("language", "语言", "language switch", "切换语言"),
    "lang_zh": ("中文", "chinese", "汉语", "简体中文"),
    "lang_en": ("english", "英文", "英语"),
    "more": ("more", "next", "m", "更多", "继续"),
    "topics": ("topics", "my topics", "following", "我的关注", "关注", "我的主题"),
}

_EXACT = {word: name for name, words in KEYWORDS.items() for word in words}

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_CN_DIGITS = {ch: i for i, ch in enumerate("一二三四五六七八九", 1)} | {"两": 2}

# Chinese politeness and question words that do not change what is asked.
_CN_FILLERS = re.compile(
    r"请问|请|我想看|我想|想看|看看|查看|查询|给我|一下|有什么|有哪些|哪些|什么|的|吗|呢|了|吧"
)
_EDGE_PUNCT = " \t\r\n.,;:!。，；：！、~…\"'“”‘’()（）[]【】<>《》"


@dataclass(frozen=True)
class Intent:
    """What a message asks for: a name from KEYWORDS (or a pattern) and its arguments."""

    name: str
    number: int | None = None
    period: tuple[str, str] | None = None
    topic: str = ""
    text: str = ""
    fuzzy: bool = False
    extra: dict = field(default_factory=dict, compare=False)


def normalise(text: str) -> str:
    """Full-width to half-width, case-folded, single spaces, no punctuation at the edges."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "").casefold()).strip()
    if text and set(text) <= {"?"}:
        return "?"
    return text.strip(_EDGE_PUNCT + "?")


def _cn_number(text: str) -> int | None:
    """Digits, or a Chinese numeral up to 99 (九, 十二, 二十一)."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    value = (_CN_DIGITS.get(tens, 0) if tens else 1) * 10
    return value + (_CN_DIGITS.get(units, 0) if units else 0)


_ISSUE_PATTERNS = [
    re.compile(r"^(?:issue|no|number|#|n°|nr)\.? ?(?:no\.? ?)?#?(\d{1,3})$"),
    re.compile(r"^第 ?([0-9一二两三四五六七八九十]{1,3}) ?期(?:简报)?$"),
    re.compile(r"^(\d{1,3})(?:st|nd|rd|th)? issue$"),
    re.compile(r"^(\d{1,3})$"),
]
_EVENT_DETAIL = [
    re.compile(r"^event (?:no\.? ?|#)?(\d{1,3})$"),
    re.compile(r"^(?:活动|第) ?(\d{1,3})(?: ?个活动)?$"),
    re.compile(r"^活动 ?([0-9]{1,3})$"),
]
_FOLLOW = re.compile(r"^(?:follow|关注) ?(.+)$")
_UNFOLLOW = re.compile(r"^(?:unfollow|stop following|取消关注) ?(.+)$")
_REMIND = re.compile(r"^(?:remind(?: me)?(?: of| about)?|提醒(?:我)?) ?#?(\d{1,3})$")
_EVENTS_FILTER_EN = re.compile(r"^(?:events?|activities) (?:in |on |about |for |of )?(.+)$")
_EVENTS_FILTER_ZH = [re.compile(r"^(.+?) ?(?:的)?活动$"), re.compile(r"^活动 ?(.+)$")]
_PERIOD_EN = re.compile(r"^(?:([a-z]+) )?(\d{4})$|^(\d{4})-(\d{1,2})$|^([a-z]+)$")
_PERIOD_ZH = re.compile(r"^(\d{4}) ?年 ?(?:(\d{1,2}|[一二三四五六七八九十]{1,2}) ?月(?:份)?)?$")


def parse_period(text: str) -> tuple[str, str] | None:
    """A month or a year as ("YYYY-MM", "YYYY-MM"), e.g. "july 2021", "2021年7月", "2021"."""
    text = text.strip()
    m = _PERIOD_ZH.match(text)
    if m:
        year = int(m.group(1))
        if m.group(2):
            month = _cn_number(m.group(2))
            if month and 1 <= month <= 12:
                return (f"{year:04d}-{month:02d}",) * 2
            return None
        return (f"{year:04d}-01", f"{year:04d}-12")
    m = _PERIOD_EN.match(text)
    if not m:
        return None
    if m.group(2):
        year = int(m.group(2))
        if m.group(1) is None:
            return (f"{year:04d}-01", f"{year:04d}-12")
        month = MONTHS.get(m.group(1))
        return (f"{year:04d}-{month:02d}",) * 2 if month else None
    if m.group(3):
        month = int(m.group(4))
        return (f"{int(m.group(3)):04d}-{month:02d}",) * 2 if 1 <= month <= 12 else None
    return None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance with adjacent swaps, giving up (limit + 1) once past the limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# Latin keywords long enough to be guessed from a typo (short ones would catch real words).
_FUZZY_CANDIDATES = [(w, n) for w, n in _EXACT.items() if w.isascii() and len(w) >= 5]


def _fuzzy(text: str) -> str | None:
    if not text.isascii() or len(text) < 4:
        return None
    best, best_distance = None, 99
    for word, name in _FUZZY_CANDIDATES:
        limit = 1 if len(word) < 8 else 2
        distance = _edit_distance(text, word, limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = name, distance
    return best


def _events_filter(text: str) -> Intent | None:
    m = _EVENTS_FILTER_EN.match(text)
    rest = m.group(1).strip() if m else None
    if rest is None and not text.isascii():
        for pattern in _EVENTS_FILTER_ZH:
            m = pattern.match(text)
            if m and m.group(1).strip():
                rest = m.group(1).strip()
                break
    if not rest:
        return None
    period = parse_period(rest)
    if period:
        return Intent("events_filter", period=period, text=rest)
    return Intent("events_filter", topic=rest, text=rest)


def understand(raw: str) -> Intent:
    """The intent of a follower's text message."""
    text = normalise(raw)
    if not text:
        return Intent("empty")
    name = _EXACT.get(text)
    if name:
        return Intent(name, text=text)
    if not text.isascii():
        compact = _CN_FILLERS.sub("", text).replace(" ", "")
        name = _EXACT.get(compact)
        if name:
            return Intent(name, text=text)
    for pattern in _ISSUE_PATTERNS:
        m = pattern.match(text)
        if m:
            number = _cn_number(m.group(1))
            if number:
                return Intent("issue", number=number, text=text)
    for pattern in _EVENT_DETAIL:
        m = pattern.match(text)
        if m:
            return Intent("event", number=int(m.group(1)), text=text)
    m = _UNFOLLOW.match(text) or _FOLLOW.match(text)
    if m:
        name = "unfollow_topic" if m.re is _UNFOLLOW else "follow_topic"
        return Intent(name, topic=m.group(1).strip(), text=text)
    m = _REMIND.match(text)
    if m:
        return Intent("remind", number=int(m.group(1)), text=text)
    filtered = _events_filter(text)
    if filtered:
        return filtered
    name = _fuzzy(text)
    if name:
        return Intent(name, text=text, fuzzy=True)
    if len(text) < 2:
        return Intent("too_short", text=text)
    return Intent("search", text=text)
