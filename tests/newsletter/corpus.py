"""The test corpus of Word and Markdown issues, made from an issue's text form.

`layout(text)` reads the text form into blocks (headings, paragraphs, lists) and adds a photo
(drawn with Pillow) after the first paragraph of every news story and a table to one story;
the writers turn the blocks into a hand-written Markdown zip, a Word file made by python-docx
(with Heading styles, or with none so that the INDEX must be used) and a Word file made by
Debian's pandoc from Markdown (another generator: its own styles, numbering and figures).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from bot.newsletter import blocks as textblocks
from bot.newsletter.text_import import import_text

TABLE = [
    ["Country", "Participants", "Sector"],
    ["Portugal", "12", "health care"],
    ["Poland", "9", "agriculture"],
]


@dataclass
class Block:
    kind: str  # h1, h2, para, list, photo, table
    lines: list[str] = field(default_factory=list)
    name: str = ""
    caption: str = ""


@dataclass
class Corpus:
    blocks: list[Block]
    photos: dict[str, bytes]
    captions: dict[str, str]  # story title -> caption of its photo
    table_story: str
    before: dict[str, str] = field(default_factory=dict)  # story title -> text above its photo


def photo(seed: int, size=(640, 420)) -> bytes:
    """A JPEG that differs per seed (so that every photo has its own hash)."""
    image = Image.new("RGB", size, (40 + seed * 37 % 200, 90 + seed * 53 % 150, 160))
    draw = ImageDraw.Draw(image)
    for k in range(6):
        x = (seed * 71 + k * 97) % max(size[0] - 80, 1)
        y = (seed * 29 + k * 61) % max(size[1] - 80, 1)
        draw.ellipse((x, y, x + 60 + k * 5, y + 60), fill=(250 - k * 30, 200, 40 + k * 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def layout(text: str, table_at: int = 1) -> Corpus:
    """The text form's blocks with a photo in every news story and a table in story `table_at`."""
    issue = import_text(text)
    sections = {s.title.strip().lower() for s in issue.sections}
    stories = {t.title.strip().lower(): t for t in issue.stories}
    lines = text.split("\n")
    groups = textblocks.split_blocks(lines, 0, len(lines))
    out: list[Block] = []
    photos: dict[str, bytes] = {}
    captions: dict[str, str] = {}
    before: dict[str, str] = {}
    in_index = False
    pending = None  # the story waiting for its photo after its first paragraph
    table_story = ""
    count = 0
    for group in groups:
        texts = [lines[i].rstrip() for i in group]
        key = texts[0].strip().lower()
        if key in ("index", "in this issue"):
            in_index = True
            out.append(Block("h1", ["INDEX"]))
            continue
        if in_index and not (len(texts) == 1 and key in sections):
            out.append(Block("list" if textblocks.is_bullet(texts[0]) else "para", texts))
            continue
        in_index = False
        if key == "foreword":
            out.append(Block("h1", ["FOREWORD"]))
        elif len(texts) == 1 and key in sections:
            out.append(Block("h1", [texts[0].strip()]))
        elif len(texts) == 1 and key in stories:
            out.append(Block("h2", [texts[0].strip()]))
            story = stories[key]
            pending = story if story.kind == "story" else None
        elif all(textblocks.is_bullet(t) for t in texts):
            out.append(Block("list", texts))
        else:
            out.append(Block("para", [t.strip() for t in texts]))
            if pending is not None:
                count += 1
                name = f"photo-{count}.jpg"
                caption = f"Participants of {pending.title[:50].strip()} (photo {count})"
                photos[name] = photo(count)
                captions[pending.title] = caption
                before[pending.title] = texts[-1].strip()
                out.append(Block("photo", name=name, caption=caption))
                if count == table_at + 1:
                    out.append(Block("table", [" | ".join(r) for r in TABLE]))
                    table_story = pending.title
                pending = None
    return Corpus(out, photos, captions, table_story, before)


def _list_markdown(lines: list[str], indent: str) -> list[str]:
    out = []
    for raw in lines:
        level = (len(raw) - len(raw.lstrip()) + 1) // 2
        out.append(indent * level + "- " + textblocks.bullet_text(raw))
    return out


def to_markdown(corpus: Corpus, for_pandoc: bool = False) -> str:
    """Markdown as an editor writes it: no front matter, `# Section`, `## Story`, photos."""
    parts: list[str] = []
    for block in corpus.blocks:
        if block.kind == "h1":
            parts.append("# " + block.lines[0])
        elif block.kind == "h2":
            parts.append("## " + block.lines[0])
        elif block.kind == "list":
            parts.append("\n".join(_list_markdown(block.lines, "  ")))
        elif block.kind == "photo":
            parts.append(f"![{block.caption}](photos/{block.name})")
        elif block.kind == "table":
            rows = [f"| {row} |" for row in block.lines]
            rows.insert(1, "|" + " --- |" * len(TABLE[0]))
            parts.append("\n".join(rows))
        else:
            # Lines kept apart in the text form (a name and its role) are hard line breaks.
            parts.append(" \\\n".join(block.lines) if for_pandoc else "\n".join(block.lines))
    return "\n\n".join(parts) + "\n"


def markdown_zip(corpus: Corpus) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("issue/issue.md", to_markdown(corpus))
        for name, data in corpus.photos.items():
            archive.writestr(f"issue/photos/{name}", data)
    return buffer.getvalue()


def docx_python_docx(corpus: Corpus, headings: bool = True) -> bytes:
    """A Word file made with python-docx: one paragraph per line, as an editor types it."""
    from docx import Document
    from docx.shared import Inches

    document = Document()
    # A running header and footer, as the laid-out file has: Word keeps them out of the body.
    document.sections[0].header.paragraphs[0].text = "MMSP II NEWSLETTER | EU-CHINA DIALOGUE"
    document.sections[0].footer.paragraphs[0].text = "MMSP II NEWSLETTER | PAGE 1"
    for block in corpus.blocks:
        if block.kind in ("h1", "h2"):
            level = 1 if block.kind == "h1" else 2
            if headings:
                document.add_heading(block.lines[0], level)
            else:
                document.add_paragraph().add_run(block.lines[0]).bold = True
        elif block.kind == "list":
            for raw in block.lines:
                level = (len(raw) - len(raw.lstrip()) + 1) // 2
                style = "List Bullet" if level == 0 else "List Bullet 2"
                document.add_paragraph(textblocks.bullet_text(raw), style=style)
        elif block.kind == "photo":
            document.add_picture(io.BytesIO(corpus.photos[block.name]), width=Inches(4))
            document.add_paragraph(block.caption, style="Caption")
        elif block.kind == "table":
            rows = [[c.strip() for c in row.split("|")] for row in block.lines]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        else:
            for line in block.lines:
                document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_pandoc(corpus: Corpus) -> bytes:
    """A Word file made by Debian's pandoc from the Markdown (figures with captions, numbering)."""
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        raise RuntimeError("pandoc is missing: install Debian's pandoc (.ci/system-packages)")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "photos").mkdir()
        for name, data in corpus.photos.items():
            (root / "photos" / name).write_bytes(data)
        (root / "issue.md").write_text(to_markdown(corpus, for_pandoc=True), encoding="utf-8")
        subprocess.run(
            [pandoc, "-f", "markdown-smart", "-t", "docx", "-o", "issue.docx", "issue.md"],
            cwd=root,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (root / "issue.docx").read_bytes()


def facts(issue) -> dict:
    """What must be the same whatever the form an issue was imported from."""
    return {
        "number": issue.number,
        "month": issue.month,
        "stories": [(s.title, s.kind) for s in issue.stories],
        "events": [(e.title, e.start, e.end, e.place) for e in issue.events],
        "upcoming": [(u.title, u.start, u.end, u.period) for u in issue.upcoming],
        "policies": [(p.title, p.date, p.url, p.bullets) for p in issue.policies],
        "people": [(p.name, p.role) for p in issue.people],
    }
