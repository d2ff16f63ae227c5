"""The canonical Markdown form: identity round trip (property-based) and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.newsletter.markdown_io import IssueImportError, from_markdown, to_markdown
from bot.newsletter.model import (
    Event,
    Foreword,
    Issue,
    Person,
    Policy,
    Quote,
    Section,
    Story,
    Upcoming,
)
from bot.newsletter.text_import import import_bytes
from tests.newsletter.factory import small_issue

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "newsletter" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# Text as the importers produce it: no control characters, words separated by single spaces.
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
line = st.text(_chars, min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(bool)
lines = st.lists(line, min_size=1, max_size=3).map("\n".join)
day = st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)
month = day.map(lambda s: s[:7])
people = st.builds(Person, name=line, role=st.one_of(st.just(""), line))


@st.composite
def stories(draw):
    paragraphs = draw(st.lists(lines, max_size=4))
    quotes = draw(
        st.lists(
            st.builds(
                Quote,
                text=lines,
                speaker=st.one_of(st.just(""), line),
                role=st.one_of(st.just(""), line),
                after=st.integers(0, len(paragraphs)),
            ),
            max_size=3,
        )
    )
    quotes.sort(key=lambda q: q.after)
    kind = draw(st.sampled_from(["story", "story", "policy_corner", "upcoming"]))
    title = draw(st.one_of(line, line.map(lambda t: t + " {kind=story}")))
    return Story(title, paragraphs, quotes, kind)


issues = st.builds(
    Issue,
    number=st.integers(1, 999),
    month=month,
    title=st.one_of(st.just(""), line),
    masthead=st.lists(line, max_size=3),
    foreword=st.builds(
        Foreword, paragraphs=st.lists(lines, max_size=3), signatory=st.one_of(st.none(), people)
    ),
    sections=st.lists(
        st.builds(Section, title=line, stories=st.lists(stories(), max_size=3)), max_size=3
    ),
    events=st.lists(
        st.builds(Event, title=line, start=day, end=day, place=line, format=line, story=line),
        max_size=3,
    ),
    upcoming=st.lists(
        st.builds(Upcoming, title=line, start=month, end=month, period=line), max_size=3
    ),
    policies=st.lists(
        st.builds(
            Policy,
            title=line,
            date=day,
            bullets=st.lists(line, max_size=3),
            paragraphs=st.lists(lines, max_size=2),
            url=line,
        ),
        max_size=2,
    ),
    warnings=st.lists(line, max_size=2),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issues)
def test_issue_to_markdown_and_back_is_identity(issue):
    text = to_markdown(issue)
    assert from_markdown(text) == issue
    # Canonical: the same issue always gives the same text.
    assert to_markdown(from_markdown(text)) == text


@pytest.mark.parametrize("path", [SAMPLES / "issue-09.txt", FIXTURES / "issue-10.txt"])
def test_imported_issues_round_trip_through_markdown(path):
    issue = import_bytes(path.read_bytes())
    assert from_markdown(to_markdown(issue)) == issue


def test_markdown_reads_like_the_newsletter():
    text = to_markdown(small_issue())
    assert "\n# BORDER MANAGEMENT\n" in text
    assert "\n## Workshop on Document Examination\n" in text
    assert "> It worked well.\n>\n> — Li Wei\n> Inspector" in text
    assert "## POLICY CORNER {kind=policy_corner}" in text
    assert "证件检验研讨会" in text  # Chinese is written as itself, not escaped


def test_a_hand_edit_is_read_back():
    text = to_markdown(small_issue()).replace("Welcome to this issue.", "Welcome, dear readers.")
    assert from_markdown(text).foreword.paragraphs == ["Welcome, dear readers."]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# Section\n", "no issue number"),
        ("---\nnumber: 3\n", "not closed"),
        ("---\nnumber: [1\n---\n", "not valid YAML"),
        ("---\nnumber: 3\nmonth: June\n---\n", "month must look like YYYY-MM"),
        ("---\nnumber: 3\nmonth: 2021-06\nevents: []\n---\n\n## Orphan\n", "any .# Section"),
        ("---\nnumber: 3\nmonth: 2021-06\n---\n\n## Orphan story\n", "before any '# Section'"),
    ],
)
def test_bad_markdown_is_refused_with_one_clear_line(text, message):
    with pytest.raises(IssueImportError, match=message):
        from_markdown(text)
