"""Word files: the same facts as the text form, photos in their stories, and clear refusals."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bot.newsletter.decode import IssueImportError
from bot.newsletter.docx_import import import_docx_bytes
from bot.newsletter.text_import import import_text
from tests.newsletter import corpus

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "newsletter" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ISSUES = [SAMPLES / "issue-09.txt", FIXTURES / "issue-10.txt"]
MAKERS = {
    "python-docx, Heading styles": corpus.docx_python_docx,
    "python-docx, no Heading styles (INDEX)": lambda c: corpus.docx_python_docx(c, headings=False),
    "pandoc from Markdown": corpus.docx_pandoc,
}


@pytest.mark.parametrize("maker", list(MAKERS), ids=list(MAKERS))
@pytest.mark.parametrize("path", ISSUES, ids=[p.stem for p in ISSUES])
def test_a_word_file_imports_with_the_facts_of_its_text_form(path, maker):
    text = path.read_text(encoding="utf-8")
    made = corpus.layout(text)
    issue = import_docx_bytes(MAKERS[maker](made))

    expected = import_text(text)
    assert corpus.facts(issue) == corpus.facts(expected)
    assert issue.warnings == []
    # The stories' text, lists (nested too) and quotes as the text form has them, and nothing of
    # the running header or footer.
    for got, want in zip(issue.stories, expected.stories, strict=True):
        assert [p for p in got.paragraphs if not p.startswith("| ")] == want.paragraphs
        assert got.quotes == want.quotes
    assert (issue.foreword, issue.masthead, issue.title) == (
        expected.foreword,
        expected.masthead,
        expected.title,
    )
    assert "MMSP II NEWSLETTER |" not in str(issue.to_dict())
    # Every photo sits in its story, with the caption it had in Word, its bytes ready to store.
    placed = {story.title: [p.caption for p in story.photos] for story in issue.stories}
    assert {title: caps for title, caps in placed.items() if caps} == {
        title: [caption] for title, caption in made.captions.items()
    }
    assert all(p.hash in issue.photo_data for p in issue.photos)
    for story in issue.stories:  # each under the paragraph it followed in Word
        for photo in story.photos:
            assert story.paragraphs[photo.after - 1].endswith(made.before[story.title])
    table_stories = [
        s.title for s in issue.stories if any(p.startswith("| ") for p in s.paragraphs)
    ]
    assert table_stories == [made.table_story]


def _story_document():
    """A Word document of issue 10 up to the heading of its one story."""
    from docx import Document

    document = Document()
    for text in ("10TH ISSUE", "DECEMBER 2021"):
        document.add_paragraph(text)
    document.add_heading("BORDER MANAGEMENT", 1)
    document.add_heading("Workshop on Document Security", 2)
    return document


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_with(paragraphs: list[str], picture: bytes | None = None, table=None) -> bytes:
    from docx.shared import Inches

    document = _story_document()
    for text in paragraphs:
        document.add_paragraph(text)
    if picture is not None:
        document.add_picture(io.BytesIO(picture), width=Inches(1))
        document.add_paragraph("A tiny logo", style="Caption")
    if table is not None:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    return _saved(document)


def test_what_a_word_file_cannot_place_is_a_warning():
    data = _docx_with(
        ["On 22-24 November 2021, experts met in Shanghai. They meet again on 3rd March."],
        picture=corpus.photo(1, size=(120, 90)),
        table=[[f"column {n}" for n in range(6)], [str(n) for n in range(6)]],
    )
    issue = import_docx_bytes(data)

    assert issue.photos == []
    warnings = "\n".join(issue.warnings)
    assert "'A tiny logo'" in warnings and "120×90 pixels, too small" in warnings
    assert "too wide for a phone: 6 columns" in warnings
    assert "the date '3rd March' is not understood" in warnings
    # Said of the Word file's headings, not of lines the reader never saw.
    assert "under 'Workshop on Document Security': photo" in warnings
    assert not any(w.startswith("line ") for w in issue.warnings)
    assert [(e.start, e.place) for e in issue.events] == [("2021-11-22", "Shanghai")]


def test_a_story_found_twice_is_imported_once_with_a_warning():
    from docx import Document

    document = Document()
    for text in ("10TH ISSUE", "DECEMBER 2021"):
        document.add_paragraph(text)
    document.add_heading("BORDER MANAGEMENT", 1)
    for _ in range(2):
        document.add_heading("Workshop on Document Security", 2)
        document.add_paragraph("On 22 November 2021, experts met in Shanghai.")

    issue = import_docx_bytes(_saved(document))

    assert [s.title for s in issue.stories] == ["Workshop on Document Security"]
    assert len(issue.events) == 1
    assert any("appears twice; kept once" in w for w in issue.warnings)


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", "cannot be opened as a zip archive"),
        (_zip({"notes.txt": b"hello"}), "not a Word .docx file"),
        # 50 MB of zeros packed into about 50 KB: refused before anything is unpacked.
        (_zip({"word/document.xml": b"\0" * 50_000_000}), "decompression bomb"),
        (_zip({"word/document.xml": b"<w:document>broken"}), "cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Word .doc file; save it as .docx"),
    ],
)
def test_a_file_that_is_not_a_usable_word_file_is_refused_in_one_line(data, message):
    with pytest.raises(IssueImportError, match=message) as refused:
        import_docx_bytes(data)
    assert "\n" not in str(refused.value)


def test_a_word_file_without_headings_or_index_says_which_styles_to_use():
    from docx import Document

    document = Document()
    for text in ("10TH ISSUE", "DECEMBER 2021", "Some text of the issue."):
        document.add_paragraph(text)
    with pytest.raises(IssueImportError, match="Heading 1 style and each story Heading 2"):
        import_docx_bytes(_saved(document))


def test_tables_used_for_layout_are_read_as_their_text():
    from docx import Document

    document = Document()
    masthead = document.add_table(rows=1, cols=2)
    masthead.cell(0, 0).text = "10TH ISSUE"
    masthead.cell(0, 1).text = "DECEMBER 2021"
    document.add_heading("BORDER MANAGEMENT", 1)
    document.add_heading("Workshop on Document Security", 2)
    box = document.add_table(rows=1, cols=1)
    box.cell(0, 0).text = "On 22 November 2021, experts met in Shanghai."

    issue = import_docx_bytes(_saved(document))

    assert (issue.number, issue.month) == (10, "2021-12")
    assert issue.stories[0].paragraphs == ["On 22 November 2021, experts met in Shanghai."]
    assert issue.warnings == []


def test_the_articles_of_an_imported_word_file_carry_its_photos_and_table(tmp_path):
    from bot.newsletter import preflight
    from bot.newsletter.render import render_issue

    made = corpus.layout((FIXTURES / "issue-10.txt").read_text(encoding="utf-8"))
    issue = import_docx_bytes(corpus.docx_pandoc(made))
    articles = render_issue(issue, cache_dir=tmp_path)

    content = "\n".join(a.content for a in articles)
    shown = {data for a in articles for data in a.images.values()}
    assert all(issue.photo_data[p.hash] in shown for p in issue.photos)
    assert all(caption in content for caption in made.captions.values())
    assert "<table" in content and ">health care</td>" in content
    assert preflight.check(articles) == []


def _runaway_docx(paragraphs: int = 600_000) -> bytes:
    """A valid Word file of 1.5 MB whose 40 MB of XML no parser reads in 400 MB of memory."""
    body = "".join(
        f"<w:p><w:r><w:t>Paragraph {n} of a runaway file</w:t></w:r></w:p>"
        for n in range(paragraphs)
    )
    namespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    package = "http://schemas.openxmlformats.org/package/2006"
    relation = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
    return _zip(
        {
            "[Content_Types].xml": (
                f'<Types xmlns="{package}/content-types"><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/word/document.xml" '
                f'ContentType="{main}"/></Types>'
            ).encode(),
            "_rels/.rels": (
                f'<Relationships xmlns="{package}/relationships"><Relationship Id="rId1" '
                f'Type="{relation}" Target="word/document.xml"/></Relationships>'
            ).encode(),
            "word/document.xml": (
                f'<w:document xmlns:w="{namespace}"><w:body>{body}</w:body></w:document>'
            ).encode(),
        }
    )


def test_a_runaway_word_file_is_stopped_by_the_caps_of_its_child_process():
    from bot.console.drafts import ImportFailed, parse_upload
    from bot.newsletter.confined import Limits

    with pytest.raises(ImportFailed, match="the Word file needs more than 5 s of CPU or 400 MB"):
        parse_upload("runaway.docx", _runaway_docx(), Limits(cpu_seconds=5, memory_mb=400))


def test_a_caption_above_the_picture_or_its_alt_text_is_its_caption():
    from docx.shared import Inches

    document = _story_document()
    document.add_paragraph("Experts met in Shanghai.")
    document.add_paragraph("Experts at the workshop", style="Caption")
    document.add_picture(io.BytesIO(corpus.photo(7)), width=Inches(3))
    document.add_paragraph("They compared forged documents.")
    shape = document.add_picture(io.BytesIO(corpus.photo(8)), width=Inches(3))
    shape._inline.docPr.set("descr", "A forged passport under ultraviolet light")
    unnamed = document.add_picture(io.BytesIO(corpus.photo(9)), width=Inches(3))
    unnamed._inline.docPr.set("descr", "IMG_2041.JPG")

    issue = import_docx_bytes(_saved(document))

    story = issue.stories[0]
    assert [(p.caption, p.after) for p in story.photos] == [
        ("Experts at the workshop", 1),
        ("A forged passport under ultraviolet light", 2),
        ("", 2),
    ]
    assert story.paragraphs == ["Experts met in Shanghai.", "They compared forged documents."]


def test_content_mammoth_leaves_out_is_a_warning():
    from docx.oxml import parse_xml

    document = _story_document()
    paragraph = document.add_paragraph("Experts met in Shanghai.")
    # An embedded object (a chart, an equation editor's object) is no text mammoth can read.
    paragraph._p.append(
        parse_xml(
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:object><w:unknownThing/></w:object></w:r>"
        )
    )

    issue = import_docx_bytes(_saved(document))

    assert issue.stories[0].paragraphs == ["Experts met in Shanghai."]
    assert any(w.startswith("Word: An unrecognised element was ignored") for w in issue.warnings)
