"""Lines a PDF wrapped: the seed and the 10th issue as A4 PDFs import as their text does."""

from __future__ import annotations

import io
import re
import textwrap

import pytest
from pypdf import PdfReader

from bot.newsletter.pdf_import import import_pdf_bytes, pdf_to_text
from bot.newsletter.text_import import import_bytes, import_text
from tests.newsletter.pdfmaker import fits_on_a_line, text_to_pdf
from tests.newsletter.test_newsletter_text_import import SEED, SEED_COUNTS, TENTH, TENTH_COUNTS

# Ordinary A4 layouts: the generator's own (10 pt, 1 cm margins, justified), a word processor's
# (11 pt, 2.5 cm margins, ragged right), and a designer's (13 pt, justified text, ragged titles).
LAYOUTS = {
    "justified-10pt": {},
    "ragged-11pt": {"size": 11, "margin": 25, "align": "L"},
    "ragged-titles-13pt": {"size": 13, "margin": 25, "ragged_titles": True},
}
ISSUES = {"seed": (SEED, SEED_COUNTS), "tenth": (TENTH, TENTH_COUNTS)}


def _printed_lines(pdf: bytes) -> set[str]:
    """The lines as the PDF prints them (pypdf's plain extraction, spacing collapsed)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return {
        re.sub(r"\s+", " ", line).strip() for p in pages for line in p.extract_text().split("\n")
    }


def _counts(issue) -> dict:
    summary = issue.summary()
    return {key: summary[key] for key in SEED_COUNTS}


@pytest.fixture(scope="module", params=sorted(ISSUES))
def source(request):
    path, counts = ISSUES[request.param]
    return request.param, path, counts, import_bytes(path.read_bytes())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_a_wrapped_pdf_imports_like_its_text(source, layout):
    name, path, counts, from_text = source
    pdf = text_to_pdf(path.read_text(encoding="utf-8"), **LAYOUTS[layout])
    printed = _printed_lines(pdf)
    titles = [story.title for story in from_text.stories]
    wrapped_titles = [title for title in titles if title not in printed]
    # The PDF really wraps: paragraphs always, titles wherever the page is too narrow for them.
    assert any(p not in printed for s in from_text.stories for p in s.paragraphs)
    if name == "seed" or layout == "ragged-titles-13pt":
        assert wrapped_titles, f"no story title wraps in the {layout} PDF of the {name}"

    from_pdf = import_pdf_bytes(pdf)

    assert _counts(from_pdf) == _counts(from_text) == counts, from_pdf.warnings
    assert from_pdf.warnings == []
    assert [s.title for s in from_pdf.sections] == [s.title for s in from_text.sections]
    assert [story.title for story in from_pdf.stories] == titles
    assert [(e.title, e.start, e.end) for e in from_pdf.events] == [
        (e.title, e.start, e.end) for e in from_text.events
    ]
    assert from_pdf.people == from_text.people
    assert [(p.title, p.date, p.bullets) for p in from_pdf.policies] == [
        (p.title, p.date, p.bullets) for p in from_text.policies
    ]


def test_a_wrapped_index_entry_is_joined_back():
    pdf = text_to_pdf(SEED.read_text(encoding="utf-8"))
    entry = (
        "- SEMINAR ON CROSS-COUNTRY COOPERATION TO FIGHT TRANSNATIONAL ORGANIZED CRIME: "
        "EXPERIENCES OF INVESTIGATION, PROSECUTION AND CONVICTION OF TRAFFICKING IN HUMAN "
        "BEINGS' CASES"
    )
    assert entry not in _printed_lines(pdf)  # the page broke it
    assert entry in pdf_to_text(pdf).splitlines()


def test_a_paragraph_over_a_page_break_stays_one_paragraph():
    issue = import_pdf_bytes(text_to_pdf(SEED.read_text(encoding="utf-8")))
    text = import_bytes(SEED.read_bytes())
    assert [s.paragraphs for s in issue.stories] == [s.paragraphs for s in text.stories]
    assert [[q.text for q in s.quotes] for s in issue.stories] == [
        [q.text for q in s.quotes] for s in text.stories
    ]


def test_nested_list_items_keep_their_level():
    pdf = text_to_pdf(SEED.read_text(encoding="utf-8"), size=11, margin=25, align="L")
    contents = next(s for s in import_pdf_bytes(pdf).stories if "Contents" in s.paragraphs)
    items = contents.paragraphs[contents.paragraphs.index("Contents") + 1].split("\n")
    assert items[2] == "- Selection of IOM tools:"
    assert items[3] == "  - Travel and Mobility Restrictions Matrix"


def _wrap_titles(text: str, titles: list[str], width: int) -> str:
    """The text with the INDEX entries and the given headings broken over short lines."""
    out = []
    for line in text.split("\n"):
        if line.strip() in titles or (line.startswith("- ") and line.isupper()):
            out += textwrap.wrap(line, width)
        else:
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("name", sorted(ISSUES))
def test_text_with_wrapped_index_entries_and_headings_imports_the_same(name):
    path, counts = ISSUES[name]
    text = path.read_text(encoding="utf-8")
    whole = import_text(text)
    titles = [s.title for s in whole.stories] + [s.title.upper() for s in whole.sections]
    wrapped = import_text(_wrap_titles(text, titles, 28))
    assert _counts(wrapped) == counts, wrapped.warnings
    assert [s.title for s in wrapped.stories] == [s.title for s in whole.stories]
    assert [s.paragraphs for s in wrapped.stories] == [s.paragraphs for s in whole.stories]


def test_the_first_heading_after_the_index_is_not_taken_for_a_wrapped_entry():
    text = TENTH.read_text(encoding="utf-8")
    # No blank line between the last INDEX entry and the first section's heading.
    tight = text.replace(
        "- UPCOMING EVENTS\n\nLABOUR MOBILITY", "- UPCOMING EVENTS\nLABOUR MOBILITY"
    )
    assert tight != text
    issue = import_text(tight)
    assert _counts(issue) == TENTH_COUNTS, issue.warnings


def _break_inside(word: str, elsewhere: str) -> bytes:
    """A PDF whose one paragraph breaks a line inside `word` (U+00AD marks where it may): the
    text before the word is lengthened until its first part fits on the line and the whole
    word does not."""
    head, tail = word.split("\u00ad")
    for filler in range(1, 80):
        before = f"Staff met partners {'and ' * filler}then "
        if fits_on_a_line(f"{before}{head}-") and not fits_on_a_line(f"{before}{head}{tail}"):
            pdf = text_to_pdf(f"{elsewhere}\n\n{before}{word} followed.", align="L")
            assert f"{head}-" in {line[-len(head) - 1 :] for line in _printed_lines(pdf)}
            return pdf
    raise AssertionError(f"no length of text puts a line break inside {word!r}")


def test_a_word_hyphenated_at_a_line_end_loses_the_hyphen_when_spelled_whole_elsewhere():
    pdf = _break_inside("organi\u00adsation", "The organisation met.")
    paragraph = pdf_to_text(pdf).split("\n\n")[1]
    assert "then organisation followed." in paragraph


def test_a_compound_hyphenated_at_a_line_end_keeps_the_hyphen_when_its_parts_are_words():
    pdf = _break_inside("cross\u00adborder", "The agency met at the border to cross it.")
    paragraph = pdf_to_text(pdf).split("\n\n")[1]
    assert "then cross-border followed." in paragraph


def test_a_word_the_typesetter_hyphenated_is_joined_even_when_never_spelled_whole():
    pdf = _break_inside("imple\u00admentation", "The agency met.")
    paragraph = pdf_to_text(pdf).split("\n\n")[1]
    assert "then implementation followed." in paragraph
