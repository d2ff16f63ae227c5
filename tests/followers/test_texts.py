"""Properties of the parts every answer goes through: the parser and the pages of long texts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.followers import texts
from bot.followers.answers import date_label, period_label
from bot.followers.keywords import understand


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_the_parser_understands_anything_without_failing(text):
    intent = understand(text)
    assert intent.name
    if intent.name == "search":
        assert len(intent.text) >= 2


@given(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6000),
    st.integers(min_value=8, max_value=1800),
)
@settings(max_examples=200, deadline=None)
def test_pages_stay_within_the_limit_and_lose_nothing(text, limit):
    pages = texts._cut(text, limit)
    assert all(len(page.encode()) <= limit for page in pages)
    assert "".join(pages).replace("\n", "") == text.replace("\n", "")


def test_dates_and_periods_read_naturally_in_both_languages():
    assert date_label("2020-10-28", "2020-10-30", "en") == "28–30 October 2020"
    assert date_label("2020-12-30", "2021-01-02", "en") == "30 December 2020 – 2 January 2021"
    assert date_label("2020-10-28", "2020-11-02", "zh") == "2020年10月28日–11月2日"
    assert period_label("2021-07", "2021-08", "en") == "July – August 2021"
    assert period_label("2021-07", "2021-08", "zh") == "2021年7月–8月"
    assert period_label("", "", "en", "to be announced") == "to be announced"


def test_every_reply_exists_in_english_and_chinese():
    pairs = texts.template_names()
    names = {name for name, _ in pairs}
    assert "help" in names and "welcome" in names
    missing = sorted(
        (name, lang) for name in names for lang in ("en", "zh") if (name, lang) not in pairs
    )
    assert missing == [], f"replies missing a language: {missing}"
