"""The PDF path: a PDF the test makes from the 10th issue's text imports like the text does."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.newsletter.pdf_import import IssueImportError, import_pdf_bytes, pdf_to_text
from bot.newsletter.text_import import import_bytes
from tests.newsletter.pdfmaker import text_to_pdf
from tests.newsletter.test_newsletter_text_import import TENTH_COUNTS

TENTH = Path(__file__).resolve().parent / "fixtures" / "issue-10.txt"


@pytest.fixture(scope="module")
def tenth_pdf() -> bytes:
    return text_to_pdf(TENTH.read_text(encoding="utf-8"))


def test_a_generated_pdf_imports_with_the_same_structure_as_its_text(tenth_pdf):
    from_pdf = import_pdf_bytes(tenth_pdf)
    from_text = import_bytes(TENTH.read_bytes())
    summary = from_pdf.summary()
    assert {k: summary[k] for k in TENTH_COUNTS} == TENTH_COUNTS, from_pdf.warnings
    assert [s.title for s in from_pdf.sections] == [s.title for s in from_text.sections]
    assert [t.title for t in from_pdf.stories] == [t.title for t in from_text.stories]
    assert [(e.start, e.end, e.place, e.format) for e in from_pdf.events] == [
        (e.start, e.end, e.place, e.format) for e in from_text.events
    ]
    assert from_pdf.people == from_text.people
    assert from_pdf.upcoming == from_text.upcoming
    assert [(p.title, p.date, p.bullets, p.url) for p in from_pdf.policies] == [
        (p.title, p.date, p.bullets, p.url) for p in from_text.policies
    ]


def test_lines_the_pdf_wrapped_are_joined_back_into_paragraphs(tenth_pdf):
    issue = import_pdf_bytes(tenth_pdf)
    webinar = issue.sections[0].stories[0]
    assert webinar.paragraphs[0].startswith("On 9 September 2021, IOM and the Ministry")
    assert webinar.paragraphs[0].endswith("frameworks for validating prior learning.")
    assert "技能认可网络研讨会" in webinar.paragraphs
    assert webinar.quotes[0].text.endswith("everyone gains.")


def test_justified_spacing_is_collapsed(tenth_pdf):
    assert not any("  " in line for line in pdf_to_text(tenth_pdf).splitlines())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"plain text, not a PDF", "not a PDF"),
        (b"%PDF-1.7\n%broken beyond repair", "cannot be read"),
    ],
)
def test_bad_pdfs_are_refused_with_one_clear_line(data, message):
    with pytest.raises(IssueImportError, match=message):
        import_pdf_bytes(data)


def scanned_pdf(pages: int = 1) -> bytes:
    """A PDF whose pages are only pictures of text, as a scanner makes them (no text layer)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    pdf = FPDF(format="A4")
    for n in range(pages):
        picture = Image.new("RGB", (600, 840), "white")
        ImageDraw.Draw(picture).text((40, 40), f"9TH ISSUE JUNE 2021 page {n + 1}", fill="black")
        pdf.add_page()
        pdf.image(picture, x=0, y=0, w=210)
    return bytes(pdf.output())


def test_an_image_only_pdf_is_refused_with_one_clear_line():
    with pytest.raises(IssueImportError) as refused:
        import_pdf_bytes(scanned_pdf(pages=2))
    message = str(refused.value)
    assert message.splitlines() == [message]
    assert "no text layer" in message and "2 pages of images only" in message


def test_a_pdf_without_text_is_refused():
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    with pytest.raises(IssueImportError, match="no text layer"):
        import_pdf_bytes(bytes(pdf.output()))


def test_a_damaged_pdf_gives_an_issue_or_one_clear_line_never_a_crash(tenth_pdf):
    # This seed's damage makes pdfminer fail outside its own error classes too (TypeError).
    rng = random.Random(1)
    for n in range(24):
        data = bytearray(tenth_pdf)
        if n % 2:
            data = data[: rng.randrange(200, len(data))]  # a download cut short
        else:
            for _ in range(20):  # bytes flipped on the way
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            import_pdf_bytes(bytes(data))
        except IssueImportError as exc:
            assert str(exc).splitlines() == [str(exc)]
