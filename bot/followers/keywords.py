"""What a follower's text asks for: normalisation, the keyword table, patterns and fuzzy matching.

`understand(text)` turns a message into an Intent (a name and its arguments). It is pure and
fast: no Redis, no I/O, so the reply path pays microseconds for it. Traditional characters are
folded to Simplified first; Latin typos are matched with rapidfuzz, Chinese slips and pinyin by
the keywords' pinyin (最心 and zuixin read as 最新).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz.distance import OSA

from bot.newsletter import tokens
from bot.newsletter.dates import month_number

# The keyword table: intent name -> the words that ask for it (already normalised). The
# answers are registered by intent name in bot/followers/answers.py.
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
        "remind me of the next issue",
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
    "help": (
        "help",
        "help me",
        "?",
        "menu",
        "commands",
        "h",
        "帮助",
        "菜单",
        "指令",
        "怎么用",
        "使用帮助",
    ),
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
    "lang_zh_hant": ("繁体中文", "繁体", "繁体字", "正体中文", "traditional chinese"),
    "lang_zh": (
        "中文",
        "chinese",
        "汉语",
        "简体中文",
        "简体",
        "说中文",
        "用中文",
        "讲中文",
        "中文回复",
        "in chinese",
        "chinese please",
    ),
    "lang_en": (
        "english",
        "英文",
        "英语",
        "english please",
        "in english",
        "speak english",
        "reply in english",
        "说英文",
        "说英语",
        "用英文",
    ),
    "more": ("more", "next", "m", "更多", "继续"),
    "topics": ("topics", "my topics", "following", "我的关注", "关注", "我的主题"),
    # People's ordinary messages.
    "greeting": (
        "hi",
        "hello",
        "hey",
        "hallo",
        "hi there",
        "hello there",
        "good morning",
        "good afternoon",
        "good evening",
        "你好",
        "您好",
        "嗨",
        "哈喽",
        "哈啰",
        "大家好",
        "早上好",
        "上午好",
        "下午好",
        "晚上好",
        "早",
        "在吗",
        "在",
    ),
    "thanks": (
        "thanks",
        "thank you",
        "thx",
        "ty",
        "many thanks",
        "thanks a lot",
        "thank you very much",
        "thank you so much",
        "cheers",
        "great thanks",
        "ok thanks",
        "谢谢",
        "谢谢你",
        "谢谢您",
        "多谢",
        "感谢",
        "非常感谢",
        "谢啦",
        "好的谢谢",
        "好的,谢谢",
    ),
    "unsubscribe_help": (
        "unsubscribe",
        "how do i unsubscribe",
        "how to unsubscribe",
        "how can i unsubscribe",
        "how do i unfollow",
        "how to unfollow",
        "cancel subscription",
        "退订",
        "取消订阅",
        "怎么退订",
        "如何退订",
        "怎么取消关注",
        "如何取消关注",
        "取消关注",
    ),
    "next_issue": (
        "next issue",
        "when is the next issue",
        "when is the next issue out",
        "when will the next issue come out",
        "when does the next issue come out",
        "下一期",
        "下期",
        "下一期什么时候出",
        "下一期什么时候",
        "下期什么时候出",
        "什么时候出下一期",
        "下一期何时发布",
    ),
    "contact": (
        "contact",
        "contacts",
        "contact us",
        "contact details",
        "email",
        "e-mail",
        "phone",
        "address",
        "联系",
        "联系方式",
        "联系我们",
        "联系电话",
        "电话",
        "邮箱",
        "地址",
    ),
    "human": (
        "human",
        "person",
        "agent",
        "operator",
        "staff",
        "real person",
        "talk to a person",
        "talk to a human",
        "talk to someone",
        "speak to a person",
        "speak to someone",
        "customer service",
        "人工",
        "人工客服",
        "转人工",
        "客服",
        "真人",
        "找人工",
    ),
}

# Menu keys of config/menu.json are tied to intents in the answer table (bot/followers/answers.py).

_EXACT = {word: name for name, words in KEYWORDS.items() for word in words}

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


def simplified(text: str) -> str:
    """Traditional characters folded to Simplified (ASCII text is returned as it is)."""
    return tokens.simplified(text)


def is_traditional(text: str) -> bool | None:
    """Whether the text is written in Traditional characters: True when folding it to
    Simplified changes it, False when it holds characters only Simplified writes, None when
    it reads the same in both (最新)."""
    if text.isascii():
        return None
    if simplified(text) != text:
        return True
    return False if tokens.has_simplified_only(text) else None


def normalise(text: str) -> str:
    """Full-width to half-width, Simplified, case-folded, single spaces, no edge punctuation."""
    text = simplified(unicodedata.normalize("NFKC", text or ""))
    text = re.sub(r"\s+", " ", text.casefold()).strip()
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
        month = month_number(m.group(1))
        return (f"{year:04d}-{month:02d}",) * 2 if month else None
    if m.group(3):
        month = int(m.group(4))
        return (f"{int(m.group(3)):04d}-{month:02d}",) * 2 if 1 <= month <= 12 else None
    return None


# Latin keywords long enough to be guessed from a typo (short ones would catch real words).
_FUZZY_CANDIDATES = [(w, n) for w, n in _EXACT.items() if w.isascii() and len(w) >= 5]


def typo_limit(word: str) -> int:
    """Edits forgiven in a Latin word of this length: none under 4 letters, up to 2 from 7."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 7 else 2


def _fuzzy(text: str) -> str | None:
    if not text.isascii() or len(text) < 4:
        return None
    best, best_distance = None, 99
    size = len(text)
    for word, name in _FUZZY_CANDIDATES:
        limit = 1 if len(word) < 8 else 2
        if abs(len(word) - size) > limit:
            continue  # every edit changes the length by one at most: too far already
        distance = OSA.distance(text, word, score_cutoff=limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = name, distance
    return best


def _pinyin_table() -> dict[str, str]:
    """Each Chinese character's first reading without tones (最 -> zui), from pypinyin's
    character table alone: importing pypinyin whole would also load its phrase dictionary,
    about 45 MB per process that keyword matching does not need."""
    import importlib.util
    from pathlib import Path

    # Located without importing the package (a dependency that always ships).
    source = Path(importlib.util.find_spec("pypinyin").origin).parent / "pinyin_dict.py"
    loaded = importlib.util.spec_from_file_location("_pypinyin_characters", source)
    module = importlib.util.module_from_spec(loaded)
    loaded.loader.exec_module(module)
    table = {}
    for code, readings in module.pinyin_dict.items():
        first = unicodedata.normalize("NFKD", readings.split(",")[0])
        table[chr(code)] = "".join(c for c in first if c.isascii() and c.isalpha())
    return table


_PINYIN = _pinyin_table()


def _pinyin(text: str) -> str:
    return "".join(_PINYIN.get(ch, ch) for ch in text if not ch.isspace())


# Chinese keywords by their pinyin: a homophone slip (最心) or pinyin typed out (zuixin) finds
# them. Pinyin shared by two intents is left out rather than guessed.
def _keywords_by_pinyin() -> dict[str, str]:
    table: dict[str, str] = {}
    clashes: set[str] = set()
    for word, name in _EXACT.items():
        if word.isascii() or len(word) < 2:
            continue
        key = _pinyin(word)
        if table.get(key, name) != name:
            clashes.add(key)
        table[key] = name
    return {k: v for k, v in table.items() if k not in clashes and len(k) >= 4}


_BY_PINYIN = _keywords_by_pinyin()


def _sounds_like(text: str) -> str | None:
    if len(text) > 12:
        return None
    if text.isascii():
        key = text.replace(" ", "")
        return _BY_PINYIN.get(key) if key.isalpha() else None
    return _BY_PINYIN.get(_pinyin(text))


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


# People's ordinary messages in longer forms than the keyword table's.
_ORDINARY = [
    (re.compile(r"^(?:hi|hello|hey|dear)(?: (?:there|all|everyone|team|iom|mmsp))?$"), "greeting"),
    (re.compile(r"^(?:你好|您好|大家好)(?:呀|啊|哈)?$"), "greeting"),
    (re.compile(r"^(?:many |ok |okay |great )?(?:thanks|thank you)\b.{0,24}$"), "thanks"),
    (re.compile(r"^(?:好的)?(?:谢谢|多谢|感谢).{0,8}$"), "thanks"),
    (re.compile(r"\bunsubscribe\b|\bstop (?:the )?(?:newsletter|messages)\b"), "unsubscribe_help"),
    (re.compile(r"退订|取消订阅|不想再收到"), "unsubscribe_help"),
    (
        re.compile(r"^(?!remind)(?:.{0,30}\b)?next (?:issue|newsletter|edition)\b.{0,30}$"),
        "next_issue",
    ),
    (
        re.compile(
            r"^(?!提醒).{0,10}(?:下一?期|新一期).{0,12}(?:什么时候|何时|啥时候|几时|时间|出|发布)"
        ),
        "next_issue",
    ),
    (re.compile(r"^(?:什么时候|何时|啥时候).{0,6}(?:下一?期|新一期)"), "next_issue"),
    (
        re.compile(
            r"\b(?:talk|speak|chat|write) (?:to|with) (?:a |an |the |your )?(?:real )?"
            r"(?:person|human|someone|staff|agent|team|people)\b"
        ),
        "human",
    ),
    (re.compile(r"人工|真人|客服"), "human"),
    (
        re.compile(
            r"^(?:how (?:can|do) i |how to )?(?:contact|reach|email|call) "
            r"(?:you|the team|iom|mmsp|someone)\b"
        ),
        "contact",
    ),
    (re.compile(r"^(?:怎么|如何|怎样)?联系|联系方式"), "contact"),
]
# WeChat's emoticons arrive as their names in brackets: "[微笑]", "[Smile]".
_EMOTICONS = re.compile(r"^(?:\[[^\[\]]{1,8}\]\s*)+$")
# Past this, a message that is no command is a letter to the team, not a search.
LONG_MESSAGE_CHARS = 60
LONG_MESSAGE_WORDS = 9


def _only_symbols(text: str) -> bool:
    """Emoji and punctuation only: nothing to read but a feeling."""
    return not any(ch.isalnum() for ch in text)


def is_long(text: str) -> bool:
    """A letter rather than a command: a Chinese character says about what a word does."""
    if not text.isascii():
        return len(text) > LONG_MESSAGE_CHARS // 2
    return len(text) > LONG_MESSAGE_CHARS or len(text.split()) > LONG_MESSAGE_WORDS


# The one-time code a staff member sends from WeChat to bind it to their console account.
_STAFF_CODE = re.compile(r"^bind-[a-z2-9]{8}$", re.IGNORECASE)


def understand(raw: str) -> Intent:
    """The intent of a follower's text message."""
    if _STAFF_CODE.match((raw or "").strip()):
        return Intent("bind_staff", text=raw.strip().upper())
    if _EMOTICONS.match((raw or "").strip()):
        return Intent("emoji", text=raw.strip())
    text = normalise(raw)
    if not text:
        return Intent("emoji" if raw and raw.strip() else "empty")
    name = _EXACT.get(text)
    if name:
        return Intent(name, text=text)
    if not text.isascii():
        compact = _CN_FILLERS.sub("", text).replace(" ", "")
        name = _EXACT.get(compact)
        if name:
            return Intent(name, text=text)
    if _only_symbols(text):
        return Intent("emoji", text=text)
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
    if m and not is_long(text):
        name = "unfollow_topic" if m.re is _UNFOLLOW else "follow_topic"
        return Intent(name, topic=m.group(1).strip(), text=text)
    m = _REMIND.match(text)
    if m:
        return Intent("remind", number=int(m.group(1)), text=text)
    if not is_long(text):
        filtered = _events_filter(text)
        if filtered:
            return filtered
    for pattern, name in _ORDINARY:
        if pattern.search(text):
            return Intent(name, text=text)
    if is_long(text):
        return Intent("message", text=text)
    name = _fuzzy(text) or _sounds_like(text)
    if name:
        return Intent(name, text=text, fuzzy=True)
    if len(text) < 2:
        return Intent("too_short", text=text)
    return Intent("search", text=text)
