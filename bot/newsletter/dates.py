"""Dates as newsletters print them: days and day ranges, planned periods, in English and Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
# Month words as newsletters print them: full names, three-letter abbreviations and "Sept".
MONTH_WORDS = {
    **{name: number for number, name in enumerate(MONTH_NAMES, 1)},
    **{name[:3]: number for number, name in enumerate(MONTH_NAMES, 1)},
    "Sept": 9,
}
_MONTHS = {word.lower(): number for word, number in MONTH_WORDS.items()}
# One month word in a regular expression, longest first, with its optional dot; it matches the
# words as printed (capitalised), or in any case under re.IGNORECASE.
MONTH_WORD = r"(?:" + "|".join(sorted(MONTH_WORDS, key=len, reverse=True)) + r")\.?"
_M = MONTH_WORD
_DASH = r"\s*(?:-|–|—|to|until)\s*"
_FLAGS = re.IGNORECASE

# Each pattern names its groups: d1/m1/y1 start, d2/m2/y2 end (missing parts come from the other).
_DAY_PATTERNS = [
    # 28 October 2021 - 2 January 2022
    rf"\b(?P<d1>\d{{1,2}})\s+(?P<m1>{_M})\s+(?P<y1>\d{{4}}){_DASH}(?P<d2>\d{{1,2}})\s+(?P<m2>{_M})\s+(?P<y2>\d{{4}})\b",
    # 28 October - 2 November 2021
    rf"\b(?P<d1>\d{{1,2}})\s+(?P<m1>{_M}){_DASH}(?P<d2>\d{{1,2}})\s+(?P<m2>{_M})\s+(?P<y2>\d{{4}})\b",
    # 10-11 December 2020, 6 to 8 December 2021, 11 May 2021
    rf"\b(?P<d1>\d{{1,2}})(?:{_DASH}(?P<d2>\d{{1,2}}))?\s+(?P<m2>{_M})\s+(?P<y2>\d{{4}})\b",
    # April 14-16, 2021 and May 3, 2021
    rf"\b(?P<m2>{_M})\s+(?P<d1>\d{{1,2}})(?:{_DASH}(?P<d2>\d{{1,2}}))?,?\s+(?P<y2>\d{{4}})\b",
    # 2021年4月15日, 2021年4月 14-16日
    r"(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月\s*(?P<d1>\d{1,2})(?:\s*[-–至到]\s*(?P<d2>\d{1,2}))?\s*日",
]
_DAY_RES = [re.compile(p, _FLAGS) for p in _DAY_PATTERNS]

_QUARTERS = {"q1": (1, 3), "q2": (4, 6), "q3": (7, 9), "q4": (10, 12)}
_PERIOD_RE = re.compile(
    rf"^(?:(?P<m1>{_M})(?:\s+(?P<y1>\d{{4}}))?{_DASH})?(?P<m2>{_M})\s+(?P<y2>\d{{4}})$", _FLAGS
)
_QUARTER_RE = re.compile(r"^(?P<q>Q[1-4])\s+(?P<y>\d{4})$", _FLAGS)
_YEAR_RE = re.compile(r"^(?P<y>\d{4})$")


@dataclass(frozen=True)
class DateSpan:
    """A day or range of days found in text, with where it was found."""

    start: date
    end: date
    begin: int
    stop: int

    @property
    def iso(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def month_number(name: str) -> int | None:
    """The month number of an English month name or abbreviation, or None."""
    return _MONTHS.get(name.lower().rstrip("."))


def _month(value: str) -> int | None:
    return int(value) if value.isdigit() else month_number(value)


def _span(match: re.Match) -> DateSpan | None:
    parts = match.groupdict()
    month2 = _month(parts["m2"])
    month1 = _month(parts["m1"]) if parts.get("m1") else month2
    year2 = int(parts["y2"])
    year1 = int(parts["y1"]) if parts.get("y1") else year2
    day1 = int(parts["d1"])
    day2 = int(parts["d2"]) if parts.get("d2") else day1
    if not month1 or not month2:
        return None
    if not parts.get("m1") and not parts.get("d2"):
        month1 = month2
    try:
        start, end = date(year1, month1, day1), date(year2, month2, day2)
    except ValueError:
        return None
    if end < start:
        return None
    return DateSpan(start, end, match.start(), match.end())


def find_dates(text: str) -> list[DateSpan]:
    """Every day or range of days in the text, in order, the longest reading winning overlaps."""
    found: list[DateSpan] = []
    for regex in _DAY_RES:
        for match in regex.finditer(text):
            span = _span(match)
            if span and not any(span.begin < f.stop and f.begin < span.stop for f in found):
                found.append(span)
    return sorted(found, key=lambda s: s.begin)


def parse_day(text: str) -> str | None:
    """The first day in the text as YYYY-MM-DD, or None."""
    spans = find_dates(text)
    return spans[0].start.isoformat() if spans else None


def parse_period(text: str) -> tuple[str, str] | None:
    """A planned period ("July 2021", "July - August 2021", "Q3 2021") as YYYY-MM start and end."""
    text = " ".join(text.split())
    match = _PERIOD_RE.match(text)
    if match:
        month2 = month_number(match["m2"])
        year2 = int(match["y2"])
        month1 = month_number(match["m1"]) if match["m1"] else month2
        year1 = int(match["y1"]) if match["y1"] else year2
        if (year1, month1) > (year2, month2):
            return None
        return f"{year1:04d}-{month1:02d}", f"{year2:04d}-{month2:02d}"
    match = _QUARTER_RE.match(text)
    if match:
        first, last = _QUARTERS[match["q"].lower()]
        year = int(match["y"])
        return f"{year:04d}-{first:02d}", f"{year:04d}-{last:02d}"
    match = _YEAR_RE.match(text)
    if match:
        return f"{match['y']}-01", f"{match['y']}-12"
    return None
