"""Designed PDFs (two columns, running heads, boxed index, photos with captions, justified and
hyphenated text with ligatures) by two engines import with the same facts as their text."""

from __future__ import annotations

import re

import pytest

from bot.newsletter.pdf_import import import_pdf_bytes
from bot.newsletter.text_import import import_bytes
from bot.newsletter.tokens import tokenize
from tests.newsletter.designed import ENGINES, SEED, TENTH, expected_photos, facts

ISSUES = {"issue-09": SEED, "issue-10": TENTH}
CASES = [(engine, name) for engine in ENGINES for name in ISSUES]


@pytest.fixture(scope="module", params=CASES, ids=[f"{e}-{n}" for e, n in CASES])
def imported(request):
    engine, name = request.param
    path = ISSUES[name]
    pdf = ENGINES[engine](path)
    return import_pdf_bytes(pdf), import_bytes(path.read_bytes()), path


def test_the_designed_pdf_has_the_facts_of_its_text(imported):
    from_pdf, from_text, _ = imported
    assert facts(from_pdf) == facts(from_text)
    assert from_pdf.warnings == from_text.warnings


def test_each_story_reads_as_in_the_text_columns_in_order(imported):
    from_pdf, from_text, _ = imported
    assert from_pdf.foreword == from_text.foreword
    for pdf_story, text_story in zip(from_pdf.stories, from_text.stories, strict=True):
        assert abs(len(pdf_story.paragraphs) - len(text_story.paragraphs)) <= 1, pdf_story.title
        assert [q.speaker for q in pdf_story.quotes] == [q.speaker for q in text_story.quotes]
        # the same words in the same order (a compound's hyphen aside, see the hyphen test, and
        # the quarter-em Typst sets between Chinese and Latin, which reads as a space); where a
        # paragraph ends exactly at a column's foot, nothing on the page says it ended there
        assert _plain(pdf_story.paragraphs) == _plain(text_story.paragraphs)


def _plain(paragraphs: list[str]) -> str:
    text = " ".join(" ".join(p.split()) for p in paragraphs)
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)
    return re.sub(r" ?([\u3400-\u9fff]) ?", r"\1", text)


def test_no_running_header_footer_or_page_number_lands_in_a_story(imported):
    from_pdf, _, _ = imported
    for story in from_pdf.stories:
        for text in [*story.paragraphs, *(q.text for q in story.quotes)]:
            assert "MMSP II NEWSLETTER" not in text, story.title
            assert not re.search(r"PAGE \d", text), story.title


def test_every_photo_is_in_its_story_with_its_caption_and_no_logo_is(imported):
    from_pdf, _, path = imported
    expected = expected_photos(path)
    found = {p.caption: story.title for story in from_pdf.stories for p in story.photos}
    assert found == expected
    for photo in from_pdf.photos:
        assert photo.after >= 1 and photo.width >= 400
        assert len(from_pdf.photo_data[photo.hash]) < 1024 * 1024
    assert len({p.hash for p in from_pdf.photos}) == len(expected)


def test_ligatures_are_plain_letters_so_a_search_finds_the_words(imported):
    from_pdf, _, _ = imported
    every = " ".join(p for story in from_pdf.stories for p in story.paragraphs)
    assert not re.search("[\ufb00-\ufb06]", every)
    assert "trafficking" in tokenize(every) or "qualifications" in tokenize(every)


def test_words_hyphenated_at_line_ends_are_joined(imported):
    from_pdf, from_text, _ = imported
    pdf_words = set(" ".join(p for s in from_pdf.stories for p in s.paragraphs).split())
    text_words = set(" ".join(p for s in from_text.stories for p in s.paragraphs).split())
    # A typesetter's hyphen left in ("identifi-cation") would be a word the text never has.
    stray = {w for w in pdf_words - text_words if re.search(r"[a-z]-[a-z]", w)}
    # Both parts of "through-out" are words, as those of "cross-border": at most two such.
    assert len(stray) <= 2, stray


def test_ligatures_and_full_width_latin_are_normalised_and_chinese_is_kept():
    from bot.newsletter.pdf_reading import normalise

    assert normalise("Traﬃcking ﬁeld ﬂow") == "Trafficking field flow"
    assert normalise("ＭＭＳＰ　ＩＩ ２０２１") == "MMSP　II 2021"
    assert normalise("安全、有序和正常移民（ＧＣＭ），北京") == "安全、有序和正常移民（GCM），北京"
    assert normalise("Ｈｅｌｌｏ！") == "Hello!"


def _one_column_with_running_heads(text: str) -> bytes:
    """The issue set in one column by fpdf2 with a running header and a footer "MMSP II
    NEWSLETTER | PAGE N" on every page, as the issue's report found it."""
    from pathlib import Path

    from fpdf import FPDF

    from bot.newsletter.covers import find_cjk_font

    class Issue(FPDF):
        def header(self):
            self.set_font("body", size=8)
            self.cell(0, 6, "MMSP II NEWSLETTER · 9TH ISSUE · JUNE 2021", align="C")
            self.ln(10)

        def footer(self):
            self.set_y(-14)
            self.set_font("body", size=8)
            self.cell(0, 6, f"MMSP II NEWSLETTER | PAGE {self.page_no()}", align="C")

    pdf = Issue(format="A4")
    font = find_cjk_font()
    extra = {"collection_font_number": 0} if Path(font).suffix.lower() == ".ttc" else {}
    pdf.add_font("body", fname=font, **extra)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for line in text.split("\n"):
        pdf.set_font("body", size=10)
        if line.strip():
            pdf.multi_cell(0, 5, line.strip(), align="J", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.ln(5)
    return bytes(pdf.output())


def test_one_column_with_a_running_footer_keeps_every_story_and_no_footer_text():
    pdf = _one_column_with_running_heads(SEED.read_text(encoding="utf-8"))
    from_pdf, from_text = import_pdf_bytes(pdf), import_bytes(SEED.read_bytes())
    assert facts(from_pdf) == facts(from_text)
    for story in from_pdf.stories:
        assert not any("MMSP II NEWSLETTER" in p for p in story.paragraphs), story.title
