"""Markdown as editors write it: no front matter needed, photos in a zip, tables, warnings."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.newsletter.decode import IssueImportError
from bot.newsletter.markdown_io import from_markdown, from_markdown_zip, to_markdown
from bot.newsletter.text_import import import_text
from tests.newsletter import corpus

SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "newsletter" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ISSUES = [SAMPLES / "issue-09.txt", FIXTURES / "issue-10.txt"]

HEAD = "# MMSP II Newsletter, 10th issue, December 2021\n\n# BORDER MANAGEMENT\n\n## Workshop\n\n"


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize("path", ISSUES, ids=[p.stem for p in ISSUES])
def test_a_markdown_zip_imports_with_the_facts_of_its_text_form(path):
    text = path.read_text(encoding="utf-8")
    made = corpus.layout(text)
    issue = from_markdown_zip(corpus.markdown_zip(made))

    expected = import_text(text)
    assert corpus.facts(issue) == corpus.facts(expected)
    assert issue.warnings == []
    for got, want in zip(issue.stories, expected.stories, strict=True):
        assert [p for p in got.paragraphs if not p.startswith("| ")] == want.paragraphs
        assert got.quotes == want.quotes
    assert (issue.foreword, issue.title) == (expected.foreword, expected.title)
    placed = {s.title: [p.caption for p in s.photos] for s in issue.stories if s.photos}
    assert placed == {title: [caption] for title, caption in made.captions.items()}
    table = [p for s in issue.stories for p in s.paragraphs if p.startswith("|")]
    rows = ["| Country | Participants | Sector |", "| --- | --- | --- |"]
    rows += ["| Portugal | 12 | health care |", "| Poland | 9 | agriculture |"]
    assert table == ["\n".join(rows)]
    # The canonical form the console edits keeps the photos (by hash) and the table.
    assert from_markdown(to_markdown(issue)) == issue


def test_number_and_month_come_from_the_title_without_front_matter():
    issue = from_markdown(HEAD + "On 22 November 2021, experts met in **Shanghai**.\n")
    assert (issue.number, issue.month) == (10, "2021-12")
    assert [s.title for s in issue.sections] == ["BORDER MANAGEMENT"]
    assert issue.stories[0].paragraphs == ["On 22 November 2021, experts met in Shanghai."]
    assert [(e.start, e.place) for e in issue.events] == [("2021-11-22", "Shanghai")]


def test_front_matter_may_give_number_and_month_alone():
    text = "---\nnumber: 12\nmonth: 2022-06\n---\n\n# SECTION\n\n## Story\n\nText.\n"
    issue = from_markdown(text)
    assert (issue.number, issue.month, issue.stories[0].paragraphs) == (12, "2022-06", ["Text."])


def test_a_remote_image_is_refused_in_one_line_naming_it():
    text = HEAD + "![The team](https://example.org/team.jpg)\n"
    with pytest.raises(IssueImportError, match=r"https://example.org/team.jpg is a remote URL"):
        from_markdown(text)


def test_a_photo_given_as_a_data_uri_is_placed_in_its_story():
    data = base64.b64encode(corpus.photo(3)).decode()
    text = HEAD + f"First paragraph.\n\n![The team](data:image/jpeg;base64,{data})\n\nSecond.\n"
    issue = from_markdown(text)
    [photo] = issue.stories[0].photos
    assert (photo.caption, photo.after, photo.width) == ("The team", 1, 640)
    assert photo.hash in issue.photo_data


def test_an_image_the_zip_does_not_hold_is_refused_and_a_lone_md_is_told_to_zip():
    text = HEAD + "![The team](photos/team.jpg)\n"
    with pytest.raises(IssueImportError, match="photos/team.jpg is not in the zip"):
        from_markdown_zip(_zip({"issue.md": text.encode()}))
    with pytest.raises(IssueImportError, match="upload a .zip of the .md with its image files"):
        from_markdown(text)
    with pytest.raises(IssueImportError, match="exactly one .md file"):
        from_markdown_zip(_zip({"a.md": b"x", "b.md": b"y"}))


def test_what_cannot_be_placed_is_a_warning_with_its_line():
    tiny = base64.b64encode(corpus.photo(4, size=(100, 80))).decode()
    text = HEAD + (
        "On 11th May 2021, experts met in Shanghai.\n\n"
        f"![Logo](data:image/jpeg;base64,{tiny})\n\n"
        "### A sub-heading\n\n"
        "| a | b | c | d | e |\n| - | - | - | - | - |\n| 1 | 2 | 3 | 4 | 5 |\n\n"
        "## Coming soon\n\n"
        "- Seminar on Ethical Recruitment (January 2022)\n"
        "- Seminar on Ethical Recruitment (January 2022)\n"
        "- Joint Research (sometime)\n"
    )
    issue = from_markdown(text)
    warnings = "\n".join(issue.warnings)
    assert "line 9: photo" in warnings and "100×80 pixels, too small" in warnings
    assert "line 11: heading 'A sub-heading' (level 3) kept as a paragraph" in warnings
    assert "line 21: planned period 'sometime' not understood" in warnings
    assert "upcoming item 'Seminar on Ethical Recruitment' appears twice; kept once" in warnings
    assert "the date '11th May 2021' is not understood" in warnings
    assert "too wide for a phone: 5 columns" in warnings
    assert [u.title for u in issue.upcoming] == ["Seminar on Ethical Recruitment", "Joint Research"]


def test_the_template_imports_without_warnings():
    issue = from_markdown((SAMPLES / "template.md").read_text(encoding="utf-8"))
    assert issue.warnings == []
    summary = issue.summary()
    assert (summary["number"], summary["month"]) == (11, "2022-06")
    assert (summary["events"], summary["upcoming"], summary["policies"]) == (1, 2, 1)
    assert [p.name for p in issue.people] == ["Maria Keller", "Anna Kowalska"]


def test_a_photo_with_too_many_pixels_is_a_warning_and_the_rest_is_imported():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (9000, 8000)).save(buffer, "PNG")  # 72 megapixels in a few kilobytes
    text = HEAD + "Before.\n\n![Huge](photos/huge.png)\n\n![Fine](photos/fine.jpg)\n"
    bundle = _zip(
        {
            "a/issue.md": text.encode(),
            "a/photos/huge.png": buffer.getvalue(),
            "a/photos/fine.jpg": corpus.photo(5),
        }  # fmt: skip
    )
    issue = from_markdown_zip(bundle)
    assert [p.caption for p in issue.photos] == ["Fine"]
    assert any("photo huge.png ('Huge')" in w and "too large" in w for w in issue.warnings)


def test_a_photo_found_twice_is_kept_once_with_a_warning():
    data = base64.b64encode(corpus.photo(6)).decode()
    line = f"![Team](data:image/jpeg;base64,{data})"
    text = HEAD + f"One.\n\n{line}\n\n## Second story\n\nTwo.\n\n{line}\n"
    issue = from_markdown(text)
    assert [len(s.photos) for s in issue.stories] == [1, 0]
    assert any("appears twice (first in 'Workshop'); kept once" in w for w in issue.warnings)


def test_an_index_in_plain_lines_ends_the_foreword_and_is_not_imported():
    text = (
        "10TH ISSUE\n\nDECEMBER 2021\n\n# Foreword\n\nWelcome.\n\nINDEX\n\n"
        "PAGE 2: BORDER MANAGEMENT\n\n- WORKSHOP\n\n# BORDER MANAGEMENT\n\n## Workshop\n\nText.\n"
    )
    issue = from_markdown(text)
    assert issue.foreword.paragraphs == ["Welcome."]
    assert issue.warnings == []


_md_pieces = st.sampled_from(
    ["# SECTION", "## Story", "### Sub", "# Foreword", "# Index", "- item", "  - nested", "> quote",
     "> — Name", "| a | b |", "| --- | --- |", "![cap](data:image/png;base64,AAAA)", "**bold**",
     "On 3 May 2021 in Beijing.", "Ann Lee\nDirector", "TITLE (3 May 2021)", "- X (July 2021)",
     "## Coming soon", "## Policy corner", "---", "", "plain text", "[link](https://x.org)"]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_md_pieces, max_size=25))
def test_any_hand_written_markdown_gives_an_issue_or_one_clear_line(pieces):
    text = "10TH ISSUE\n\nDECEMBER 2021\n\n" + "\n".join(pieces) + "\n"
    try:
        issue = from_markdown(text)
    except IssueImportError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert (issue.number, issue.month) == (10, "2021-12")


def test_an_uploaded_markdown_file_with_pasted_photos_keeps_them():
    from bot.console.drafts import parse_upload

    data = base64.b64encode(corpus.photo(11, size=(1600, 1200))).decode()
    text = HEAD + f"First.\n\n![Pasted](data:image/jpeg;base64,{data})\n"
    issue, kind = parse_upload("issue.md", text.encode())
    assert kind == "markdown" and [p.caption for p in issue.photos] == ["Pasted"]
    # Read in the capped child process, the photo's bytes came back with the issue.
    assert issue.photos[0].hash in issue.photo_data


def test_a_table_in_the_coming_soon_list_is_a_warning_not_text():
    text = HEAD.replace("## Workshop", "## Coming soon") + (
        "- Seminar (January 2022)\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
    )
    issue = from_markdown(text)
    assert [u.title for u in issue.upcoming] == ["Seminar"]
    assert issue.warnings == [
        "line 9: a table in the coming soon list is left out; put it in a story"
    ]


def test_stories_one_level_further_down_are_still_stories():
    text = HEAD.replace("## Workshop", "### Workshop") + "Text.\n\n### Second\n\nMore.\n"
    issue = from_markdown(text)
    assert [s.title for s in issue.stories] == ["Workshop", "Second"]
    assert issue.warnings == []
