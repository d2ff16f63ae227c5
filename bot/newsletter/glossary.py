"""The bilingual glossary (config/glossary.yaml): ideas in English and Chinese, and places.

Each idea becomes one search token (`@` and its first English form, e.g. `@trafficking`) that
the index gives every text naming it in either language, and that a query naming it in either
language looks for. Places are also shown in Chinese to Chinese followers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import yaml

from config import CONFIG_DIR

GLOSSARY_FILE = CONFIG_DIR / "glossary.yaml"


class GlossaryError(ValueError):
    """The glossary file cannot be read; the message says where."""


@dataclass(frozen=True)
class Glossary:
    """English phrases and Chinese terms, each tied to the token of its idea."""

    english: dict[str, str]  # lower-cased phrase -> token
    chinese: dict[str, str]  # Simplified term -> token
    places: dict[str, str]  # lower-cased English place -> Chinese
    english_re: re.Pattern | None
    chinese_re: re.Pattern | None
    places_re: re.Pattern | None

    def concepts(self, text: str) -> set[str]:
        """The idea tokens a text names (English phrases as whole words, Chinese as written)."""
        found: set[str] = set()
        if self.english_re is not None:
            found.update(self.english[m.lower()] for m in self.english_re.findall(text))
        if self.chinese_re is not None and not text.isascii():
            found.update(self.chinese[m] for m in self.chinese_re.findall(text))
        return found


def _token(name: str) -> str:
    return "@" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _alternation(words, flags=0, whole_words=False) -> re.Pattern | None:
    words = sorted(set(words), key=len, reverse=True)
    if not words:
        return None
    body = "|".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![\w-])(?:{body})(?![\w-])" if whole_words else f"(?:{body})", flags)


def parse(raw: dict) -> Glossary:
    """A Glossary from the YAML's structure; GlossaryError names a malformed entry."""
    if not isinstance(raw, dict):
        raise GlossaryError("glossary.yaml needs `terms` and `places`")
    english: dict[str, str] = {}
    chinese: dict[str, str] = {}
    places: dict[str, str] = {}
    for i, entry in enumerate(raw.get("terms") or [], 1):
        en, zh = entry.get("en") if isinstance(entry, dict) else None, entry.get("zh", [])
        if not en or not isinstance(en, list) or not isinstance(zh, list):
            raise GlossaryError(f"glossary.yaml: term {i} needs an `en` list and a `zh` list")
        token = _token(str(en[0]))
        for word in en:
            english.setdefault(str(word).lower(), token)
        for word in zh:
            chinese.setdefault(str(word), token)
    for i, entry in enumerate(raw.get("places") or [], 1):
        if not isinstance(entry, dict) or not entry.get("en") or not entry.get("zh"):
            raise GlossaryError(f"glossary.yaml: place {i} needs `en` and `zh`")
        name, local = str(entry["en"]), str(entry["zh"])
        places[name.lower()] = local
        token = _token(name)
        english.setdefault(name.lower(), token)
        chinese.setdefault(local, token)
    return Glossary(
        english=english,
        chinese=chinese,
        places=places,
        english_re=_alternation(english, re.IGNORECASE, whole_words=True),
        chinese_re=_alternation(chinese),
        places_re=_alternation(places, re.IGNORECASE, whole_words=True),
    )


@functools.cache
def load() -> Glossary:
    """The glossary of config/glossary.yaml, read once per process."""
    try:
        raw = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise GlossaryError(f"glossary.yaml cannot be read: {exc}") from None
    return parse(raw or {})


def place_label(place: str, lang: str) -> str:
    """A place as Chinese followers read it where the glossary knows it ("南京和苏州，江苏省")."""
    glossary = load()
    if lang != "zh" or not place or glossary.places_re is None:
        return place
    local = glossary.places_re.sub(lambda m: glossary.places[m.group(0).lower()], place)
    if local == place:
        return place
    local = re.sub(r"\s+and\s+", "和", local)
    local = re.sub(r"\s*,\s*", "，", local)
    return re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", local)
