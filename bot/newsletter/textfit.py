"""Texts cut to WeChat's field limits at word or sentence boundaries, and display titles."""

from __future__ import annotations

import re

ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"”’)]?\s*")
# Words kept in capitals when an all-capitals heading is shown in title case.
ACRONYMS = {
    "MMSP", "II", "III", "IV", "IOM", "EU", "UN", "GCM", "NIA", "MPS", "OCT", "SPP", "SPC",
    "PRC", "UK", "US", "USA", "DG", "ILO", "UNHCR", "COVID", "COVID-19", "VOT", "SOP", "API",
    "PNR", "NGO", "NGOS", "HQ", "ICMPD", "ASEAN", "EUROPOL", "EMPACT", "FRONTEX",
}  # fmt: skip
_SMALL = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to",
          "with", "into", "via"}  # fmt: skip


def _is_cjk(char: str) -> bool:
    return (
        "\u3400" <= char <= "\u9fff" or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"
    )


def cut_at_word(text: str, limit: int) -> str:
    """The text if it fits, else its longest prefix ending at a word (or CJK character) + "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[: room + 1]
    # A break is allowed at a space, or between two characters when either is Chinese.
    cut = max(
        (
            i
            for i in range(1, len(head))
            if head[i] == " " or _is_cjk(head[i - 1]) or _is_cjk(head[i])
        ),
        default=0,
    )
    if cut == 0:
        cut = room
    return text[:cut].rstrip(" ,;:-–—") + ELLIPSIS


def summary(text: str, limit: int) -> str:
    """Whole sentences that fit the limit; when even the first does not, it is cut at a word."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    best = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.start() + len(match.group(0).rstrip())
        if 0 < end <= limit:
            best = end
    if best:
        return text[:best].rstrip()
    return cut_at_word(text, limit)


def _title_word(word: str, first: bool) -> str:
    parts = re.split(r"([-/])", word)
    out = []
    for part in parts:
        bare = part.strip("\"'“”‘’()[],.:;")
        if part in "-/" or not bare:
            out.append(part)
        elif bare.upper() in ACRONYMS or any(c.isdigit() for c in bare) and bare.isupper():
            out.append(part.lower() if re.fullmatch(r"\d+(ST|ND|RD|TH)", bare) else part)
        elif bare.lower() in _SMALL and not first:
            out.append(part.lower())
        else:
            lowered = part.lower()
            index = next((i for i, c in enumerate(lowered) if c.isalpha()), 0)
            out.append(lowered[:index] + lowered[index:].capitalize())
        first = False
    return "".join(out)


def display_title(text: str) -> str:
    """An all-capitals heading in title case (acronyms kept); any other text unchanged."""
    letters = [c for c in text if c.isalpha() and c.isascii()]
    if not letters or any(c.islower() for c in letters):
        return text
    words = text.split(" ")
    return " ".join(_title_word(w, i == 0) for i, w in enumerate(words))
