"""The two languages of every reply, and how a follower's language is guessed."""

from __future__ import annotations

import re

ENGLISH = "en"
CHINESE = "zh"
LANGUAGES = (ENGLISH, CHINESE)
DEFAULT = ENGLISH

# CJK unified ideographs (and extension A): a message with any of them was typed in Chinese.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def from_wechat(code: str | None) -> str | None:
    """Our language for WeChat's user-info `language` (zh_CN, zh_TW, en, ...), None if unknown."""
    if not code:
        return None
    code = code.strip().lower()
    if code.startswith("zh"):
        return CHINESE
    if code.startswith("en"):
        return ENGLISH
    return None


# Traditional Chinese locales of WeChat's user info.
_TRADITIONAL_CODES = ("zh_tw", "zh_hk", "zh_mo", "zh_hant")
_LATIN = re.compile(r"[A-Za-z]")


def is_traditional_code(code: str | None) -> bool:
    return bool(code) and code.strip().lower().replace("-", "_").startswith(_TRADITIONAL_CODES)


def script_of(text: str) -> tuple[str, bool | None] | None:
    """(language, Traditional?) of a message's script (Traditional is None when the
    characters read the same in both); None when it has neither Han characters nor Latin
    letters (emoji, digits, punctuation)."""
    if _HAN.search(text or ""):
        from bot.followers.keywords import is_traditional

        return CHINESE, is_traditional(text)
    if _LATIN.search(text or ""):
        return ENGLISH, False
    return None


def from_script(text: str) -> str:
    """Chinese when the text holds Han characters, else English."""
    return CHINESE if _HAN.search(text or "") else ENGLISH


def valid(lang: str | None) -> str:
    """The language itself when we have replies in it, else the default."""
    return lang if lang in LANGUAGES else DEFAULT


def other(lang: str) -> str:
    return ENGLISH if lang == CHINESE else CHINESE
