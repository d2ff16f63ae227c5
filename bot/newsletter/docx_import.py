"""A Word file (.docx) to an Issue: mammoth's semantic HTML, read as Markdown written by hand.

mammoth turns the document into clean HTML (headings from the Heading styles, paragraphs,
lists, tables, images with their alt text); that becomes the Markdown that
bot/newsletter/markdown_hand.py reads: Heading 1 is a section, Heading 2 a story, a paragraph
in a Caption style right under a picture is its caption, a table is a pipe table. A document
without Heading styles is read through its INDEX page, as the text import finds headings.
"""

from __future__ import annotations

import io
import logging
import re

import mammoth
from lxml import html as lxml_html

from bot.newsletter import blocks, tables
from bot.newsletter.decode import IssueImportError
from bot.newsletter.importing import MAX_PHOTO_BYTES, open_archive
from bot.newsletter.markdown_hand import read_hand_written
from bot.newsletter.markdown_io import ImageFiles
from bot.newsletter.model import Issue

log = logging.getLogger(__name__)

# A Word file with its photos; larger ones are refused unread.
MAX_DOCX_BYTES = 50 * 1024 * 1024
# The first bytes of an old binary Word file (.doc, an OLE compound file).
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_STYLE_MAP = """
p[style-name='Title'] => p.masthead:fresh
p[style-name='Subtitle'] => p.masthead:fresh
p[style-name='Caption'] => p.caption:fresh
p[style-name='caption'] => p.caption:fresh
p[style-name='Image Caption'] => p.caption:fresh
p[style-name='Table Caption'] => p.caption:fresh
p[style-name='List Bullet 2'] => ul > li > ul > li:fresh
p[style-name='List Bullet 3'] => ul > li > ul > li > ul > li:fresh
p[style-name='List Number 2'] => ol > li > ol > li:fresh
p[style-name='List Number 3'] => ol > li > ol > li > ol > li:fresh
"""
# Alt text that only names the picture's file or default name is no caption.
_FILE_NAME = re.compile(r"\S+\.(?:jpe?g|png|gif|bmp|tiff?|emf|wmf|webp)|Picture \d+|image\d*", re.I)
# What mammoth says when it leaves content out (not its notes on unknown styles).
_LOST = re.compile(r"ignored|could not find image", re.I)
_MARKDOWN_START = re.compile(r"^(#|>|\||!\[|[*+] |\d{1,2}[.)] )")


def _text(element) -> str:
    """An element's text on one line, links as "text <url>", line breaks kept as newlines."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.tag == "br":
            parts.append("\n")
        elif node.tag == "img":
            pass
        elif node.tag == "a" and node.get("href", "").startswith(("http://", "https://")):
            label = " ".join(node.text_content().split())
            url = node.get("href")
            parts.append(f"<{url}>" if label in ("", url) else f"{label} <{url}>")
            parts.append(node.tail or "")
            return
        else:
            parts.append(node.text or "")
            for child in node:
                walk(child)
        if node is not element:
            parts.append(node.tail or "")

    walk(element)
    lines = [" ".join(line.split()) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _caption(text: str) -> str:
    return text.replace("\\", "\\\\").replace("]", "\\]")


def _escape(text: str) -> str:
    """A paragraph whose first characters Markdown would read as markup keeps them as text."""
    return "\\" + text if _MARKDOWN_START.match(text) else text


class _Writer:
    """The Markdown lines of the document, a blank line between blocks."""

    def __init__(self) -> None:
        self.blocks: list[list[str]] = []
        self.headings = 0
        self.caption_above: tuple[list[str], str] | None = None
        self.captioned: set[int] = set()

    def block(self, lines: list[str]) -> None:
        if lines:
            self.blocks.append(lines)

    def element(self, node) -> None:
        tag = node.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = " ".join(_text(node).split())
            if text:
                level = int(tag[1])
                self.headings += level <= 2
                self.block([f"{'#' * level} {text}"])
            self.pictures(node)
        elif tag in ("ul", "ol"):
            self.block(self.list_lines(node, 0))
        elif tag == "table":
            self.table(node)
        elif tag == "p":
            self.paragraph(node)
        else:
            for child in node:
                self.element(child)

    def pictures(self, node) -> None:
        """A picture line for each image in the node; its caption is a Caption paragraph right
        above it (or, until one comes right under it, its alt text unless that is a file name)."""
        for img in node.iter("img"):
            if not img.get("src"):
                continue
            caption = " ".join((img.get("alt") or "").split())
            if _FILE_NAME.fullmatch(caption):
                caption = ""
            if (
                self.caption_above is not None
                and self.blocks
                and self.blocks[-1] is self.caption_above[0]
            ):
                caption = self.caption_above[1]
                self.blocks.pop()
                self.block([f"![{_caption(caption)}]({img.get('src')})"])
                self.captioned.add(id(self.blocks[-1]))
            else:
                self.block([f"![{_caption(caption)}]({img.get('src')})"])
            self.caption_above = None

    def paragraph(self, node) -> None:
        text = _text(node)
        last = self.blocks[-1] if self.blocks else None
        if (
            node.get("class") == "caption"
            and last is not None
            and last[0].startswith("![")
            and id(last) not in self.captioned
            and not list(node.iter("img"))
        ):
            # The caption under the picture written just before it.
            source = last[0].rpartition("](")[2]
            last[0] = f"![{_caption(' '.join(text.split()))}]({source}"
            self.captioned.add(id(last))
            return
        self.pictures(node)
        if text:
            block = [_escape(line) for line in text.split("\n")]
            self.block(block)
            if node.get("class") == "caption":
                self.caption_above = (block, " ".join(text.split()))

    def list_lines(self, node, depth: int) -> list[str]:
        lines: list[str] = []
        for item in node:
            if item.tag != "li":
                continue
            nested = [child for child in item if child.tag in ("ul", "ol")]
            for child in nested:
                item.remove(child)
            text = " ".join(_text(item).split())
            if text:
                lines.append("  " * depth + "- " + text)
            for child in nested:
                lines += self.list_lines(child, depth + 1)
        return lines

    def table(self, node) -> None:
        cells = [[c for c in row if c.tag in ("td", "th")] for row in node.iter("tr")]
        index_seen = any(b[0].strip().lower() in ("index", "in this issue") for b in self.blocks)
        before_body = not self.headings and not index_seen
        if before_body or max((len(row) for row in cells), default=0) < 2:
            # A table used for layout (a masthead in two cells, a boxed text): its contents.
            for row in cells:
                for cell in row:
                    for child in cell:
                        self.element(child)
            return
        rows = [[" ".join(_text(cell).split()) for cell in row] for row in cells]
        rows = [row for row in rows if any(row)]
        if rows:
            self.block(tables.to_paragraph(rows).split("\n"))

    def lines(self) -> list[str]:
        """The blocks as lines; a run of short paragraphs that reads as a name followed by role
        lines (Word keeps each on its own paragraph) becomes one block, as in the text form."""
        out: list[str] = []
        i = 0
        while i < len(self.blocks):
            run = 1
            for size in range(min(5, len(self.blocks) - i), 1, -1):
                texts = [b[0] for b in self.blocks[i : i + size]]
                singles = all(len(b) == 1 for b in self.blocks[i : i + size])
                plain = singles and not any(t.startswith(("#", "!", "|", "- ")) for t in texts)
                if plain and blocks.signature(texts, list(range(size))):
                    run = size
                    break
            for block in self.blocks[i : i + run]:
                out += block
            out.append("")
            i += run
        return out


def _convert(data: bytes) -> tuple[str, dict[str, bytes], list[str]]:
    """The document as HTML, its images by the name used in it, and mammoth's messages."""
    images: dict[str, bytes] = {}

    def keep(image) -> dict:
        with image.open() as handle:
            content = handle.read(MAX_PHOTO_BYTES + 1)
        extension = (image.content_type or "image/unknown").rpartition("/")[2]
        name = f"image{len(images) + 1}.{extension}"
        images[name] = content
        return {"src": name}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            convert_image=mammoth.images.img_element(keep),
            style_map=_STYLE_MAP,
        )
    except Exception as exc:  # mammoth and its XML reader raise many types on a broken file
        log.warning("reading a Word file failed: %r", exc)
        raise IssueImportError(
            f"the Word file cannot be read ({type(exc).__name__}); save it again as .docx"
        ) from None
    return result.value, images, [m.message for m in result.messages if m.type == "warning"]


def _promote_index_headings(lines: list[str]) -> list[str]:
    """Mark the section and story headings the INDEX names (a document without Heading styles)."""
    from bot.newsletter.text_import import _Parser

    parser = _Parser("\n".join(lines))
    foreword_at = parser.find({"foreword"})
    index_at = parser.find({"index", "in this issue"}, foreword_at or 0)
    if index_at is None:
        raise IssueImportError(
            "the Word file has no Heading 1 / Heading 2 styles and no INDEX page: give each "
            "section the Heading 1 style and each story Heading 2"
        )
    entries, body_start = parser.index(index_at)
    if not entries:
        raise IssueImportError("the INDEX of the Word file lists no 'PAGE N: SECTION' lines")
    section_at, story_at = parser.locate(entries, body_start)
    marked = list(parser.lines)
    marked[index_at] = "# INDEX"
    for at in section_at.values():
        if at is not None:
            marked[at] = "# " + marked[at].strip()
    for at in story_at.values():
        if at is not None:
            marked[at] = "## " + marked[at].strip()
    return marked


def import_docx_bytes(data: bytes) -> Issue:
    """Import the newsletter from the bytes of its Word file."""
    if len(data) > MAX_DOCX_BYTES:
        raise IssueImportError(
            f"the Word file is {len(data) / 1048576:.1f} MB; the limit is "
            f"{MAX_DOCX_BYTES // 1048576} MB"
        )
    if data.startswith(OLE_MAGIC):
        raise IssueImportError(
            "this is an old Word .doc file; save it as .docx (Word 2007 or later)"
        )
    archive = open_archive(data, "Word file")
    if "word/document.xml" not in archive.namelist():
        raise IssueImportError("this is not a Word .docx file (it has no word/document.xml)")
    html, images, messages = _convert(data)
    writer = _Writer()
    root = lxml_html.fragment_fromstring(html or "<p></p>", create_parent="div")
    for child in root:
        writer.element(child)
    lines = writer.lines()
    if not writer.headings:
        lines = _promote_index_headings(lines)
    issue = read_hand_written("\n".join(lines), {}, 0, ImageFiles(images))
    issue.warnings = [_located(warning, lines) for warning in issue.warnings]
    # mammoth names what it had to leave out of the document (an embedded object, a symbol
    # character, a picture it could not find): each is a warning, once with its count.
    lost = [m for m in messages if _LOST.search(m)]
    for message in dict.fromkeys(lost):
        times = lost.count(message)
        issue.warnings.append(f"Word: {message}" + (f" ({times} times)" if times > 1 else ""))
    return issue


def _located(warning: str, lines: list[str]) -> str:
    """A warning about a line of the intermediate Markdown, said of the Word heading above it
    (the person reading the report has the Word file, not those lines)."""
    match = re.match(r"^line (\d+): (.*)$", warning, re.S)
    if not match:
        return warning
    at = min(int(match[1]) - 1, len(lines) - 1)
    for k in range(at, -1, -1):
        if lines[k].startswith("#"):
            return f"under '{lines[k].lstrip('#').strip()[:60]}': {match[2]}"
    return f"before the first heading: {match[2]}"
