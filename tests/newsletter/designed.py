"""Designed newsletter PDFs for the tests, laid out as IOM's designers do, by two engines.

From an issue's text: a masthead across the page with a small logo, two justified columns with
hyphenation and ligatures, a running header (with a logo on every page) and footer with page
numbers, the INDEX in a box, section titles, and a photo with its caption in each story (photos
drawn with Pillow). `chromium_pdf` sets it as HTML and CSS (`columns: 2`) printed by Debian's
chromium; `typst_pdf` as Typst markup compiled by the `typst` package. Each PDF is made once per
test session (functools.cache) and `expected_photos` says which story each photo belongs to.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import math
import os
import random
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from bot.newsletter.covers import find_cjk_font
from bot.newsletter.model import Issue
from bot.newsletter.text_import import import_text

HERE = Path(__file__).resolve().parent
SEED = HERE.parent.parent / "bot" / "newsletter" / "samples" / "issue-09.txt"
TENTH = HERE / "fixtures" / "issue-10.txt"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
HEADER = "MMSP II NEWSLETTER · {issue} · {month}"
FOOTER = "MMSP II NEWSLETTER | PAGE "
_LIGATURES = {"ffi": "\ufb03", "ffl": "\ufb04", "ff": "\ufb00", "fi": "\ufb01", "fl": "\ufb02"}


@dataclass
class Layout:
    """The issue's text as blocks of lines, where the photos go, and which lines are titles."""

    blocks: list[list[str]]
    masthead: list[str]
    index_blocks: set[int]
    titles: set[str]
    photos: dict[int, tuple[str, str]]  # block number -> (story title, caption)
    header: str


def photo(seed: int, size: tuple[int, int] = (1200, 800)) -> bytes:
    """A photo-like JPEG: a sky gradient, hills and people-like shapes, grain (made with Pillow)."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top = (rng.randrange(60, 140), rng.randrange(110, 190), rng.randrange(170, 250))
    for y in range(height):
        shade = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(c * (1 - 0.5 * shade)) for c in top))
    for _ in range(4):
        x, y = rng.randrange(width), rng.randrange(height // 2, height)
        r = rng.randrange(height // 6, height // 2)
        color = (rng.randrange(40, 120), rng.randrange(90, 160), rng.randrange(30, 90))
        draw.ellipse([x - 2 * r, y - r, x + 2 * r, y + 2 * r], fill=color)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height // 2, height)
        color = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x - 18, y - 70, x + 18, y - 34], fill=color)
        draw.rectangle([x - 26, y - 34, x + 26, y + 60], fill=color)
    grain = Image.effect_noise(size, 24).convert("RGB")
    image = Image.blend(image, grain, 0.08)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def logo(side: int = 160) -> bytes:
    """An emblem as PNG, printed in the masthead and the running header of every page."""
    image = Image.new("RGB", (side, side), "#0033A0")
    draw = ImageDraw.Draw(image)
    for n in range(12):
        x = side / 2 + side / 3 * math.cos(n * math.pi / 6)
        y = side / 2 + side / 3 * math.sin(n * math.pi / 6)
        draw.ellipse([x - side / 20, y - side / 20, x + side / 20, y + side / 20], fill="#FFCC00")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _short(title: str) -> str:
    words = title.split()
    return " ".join(words[:6]) + ("…" if len(words) > 6 else "")


def layout_of(text: str, photo_every: int = 0, max_photos: int = 0) -> Layout:
    """Blocks of the text, the masthead before FOREWORD, the INDEX blocks, a photo per story
    (or, with `photo_every`, after every n-th long paragraph, at most `max_photos`)."""
    issue = import_text(text)
    lines = text.split("\n")
    first = next(n for n, line in enumerate(lines) if line.strip() == "FOREWORD")
    masthead = [line.strip() for line in lines[:first] if line.strip()]
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines[first:]:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    titles = {s.title for s in issue.sections} | {t.title for t in issue.stories}
    start = next(n for n, b in enumerate(blocks) if b[0] == "INDEX")
    stop = next(n for n, b in enumerate(blocks) if n > start and b[0] in titles)
    photos: dict[int, tuple[str, str]] = {}
    for story in issue.stories:
        if story.kind != "story" or not story.paragraphs:
            continue
        # after the story's first paragraph of some length
        lead = next((p for p in story.paragraphs if len(p) > 120), None)
        where = next((n for n, b in enumerate(blocks) if lead and b[-1] == lead), None)
        if where is not None:
            photos[where] = (story.title, f"Participants of the {_short(story.title)}")
    if photo_every:
        long_ones = [n for n, b in enumerate(blocks) if n > stop and len(b[-1]) > 300]
        photos = {
            n: ("", f"Photo {k + 1} of the issue")
            for k, n in enumerate(long_ones[::photo_every][:max_photos])
        }
    number = f"{issue.number}TH ISSUE"
    month = next(line for line in masthead if re.match(r"^[A-Z]+ \d{4}$", line))
    header = HEADER.format(issue=number, month=month)
    return Layout(blocks, masthead, set(range(start, stop)), titles, photos, header)


def _ligatures(text: str) -> str:
    """Text with the Latin ligature characters a designer's font puts in (ﬁ, ﬂ, ﬀ, ﬃ, ﬄ)."""
    for plain, joined in _LIGATURES.items():
        text = text.replace(plain, joined)
    return text


def _soft_hyphens(text: str) -> str:
    """Long words with soft hyphens after their first syllables, where a line may break."""

    def cut(match: re.Match) -> str:
        word = match.group()
        return word[:5] + "\u00ad" + word[5:] if len(word) >= 11 else word

    return re.sub(r"\b[a-z]{11,}\b", cut, text)


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def long_issue(path: Path, copies: int) -> str:
    """The issue's text with its stories printed `copies` times (the policy corner and COMING
    SOON once, at the end): a long issue for the import benchmark."""
    text = path.read_text(encoding="utf-8")
    issue = import_text(text)
    lines = text.split("\n")
    body = next(n for n, line in enumerate(lines) if line.strip() == issue.sections[0].title)
    tail_title = issue.sections[-1].stories[0].title
    tail = next(n for n, line in enumerate(lines) if n > body and line.strip() == tail_title)
    return "\n".join(lines[:tail] + lines[body:tail] * (copies - 1) + lines[tail:])


def print_long_issue(path: Path, copies: int, photo_every: int, max_photos: int) -> bytes:
    """The long issue laid out by chromium with a photo after every n-th long paragraph."""
    layout = layout_of(long_issue(path, copies), photo_every, max_photos)
    return _print(_html(layout, 0))


def _html(layout: Layout, seed: int) -> str:
    parts: list[str] = []
    masthead = "".join(f"<p>{html.escape(line)}</p>" for line in layout.masthead)
    parts.append(
        f'<div class="masthead"><img class="flag" src="{_data_uri(logo(), "image/png")}">'
        f"{masthead}</div>"
    )
    in_box = False
    for n, block in enumerate(layout.blocks):
        if n in layout.index_blocks and not in_box:
            parts.append('<div class="box">')
            in_box = True
        if n not in layout.index_blocks and in_box:
            parts.append("</div>")
            in_box = False
        lines = []
        for line in block:
            indent = len(line) - len(line.lstrip(" "))
            text = line.strip()
            if text in layout.titles:
                lines.append(f'<p class="title">{html.escape(text)}</p>')
                continue
            body = html.escape(_ligatures(text)).replace("\u00ad", "&shy;")
            body = _soft_hyphens(body).replace("\u00ad", "&shy;")
            style = f' style="margin-left:{0.6 * indent}em"' if indent else ""
            lines.append(f"<p{style}>{body}</p>")
        parts.append(f'<div class="block">{"".join(lines)}</div>')
        if n in layout.photos:
            _, caption = layout.photos[n]
            uri = _data_uri(photo(seed + n), "image/jpeg")
            parts.append(
                f'<figure><img src="{uri}"><figcaption>{html.escape(caption)}</figcaption></figure>'
            )
    if in_box:
        parts.append("</div>")
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 22mm 16mm 20mm;
  @top-left {{ content: url("{_data_uri(logo(80), "image/png")}"); }}
  @top-center {{ content: "{layout.header}"; font: 7.5pt 'DejaVu Sans'; color: #0033A0; }}
  @bottom-center {{ content: "{FOOTER}" counter(page); font: 7.5pt 'DejaVu Sans'; }} }}
body {{ margin: 0; font: 9.5pt/1.3 'DejaVu Serif', 'WenQuanYi Micro Hei', serif; }}
.cols {{ columns: 2; column-gap: 7mm; text-align: justify; }}
.masthead {{ column-span: all; border-bottom: 2pt solid #0033A0; margin-bottom: 4mm;
  font: bold 13pt 'DejaVu Sans'; color: #0033A0; text-align: left; }}
.masthead p {{ margin: 0 0 1mm; }}
.flag {{ width: 16mm; float: right; }}
p {{ margin: 0; overflow-wrap: anywhere; }}
.block {{ margin-bottom: 1.1em; }}
.title {{ font: bold 10pt 'DejaVu Sans'; text-align: left; color: #0033A0; }}
.box {{ border: 0.8pt solid #0033A0; padding: 2.5mm; margin-bottom: 1.1em;
  break-inside: avoid; text-align: left; }}
figure {{ margin: 0 0 1.1em; break-inside: avoid; }}
figure img {{ width: 100%; display: block; }}
figcaption {{ font: italic 7.5pt 'DejaVu Sans'; margin-top: 1.5mm; text-align: left; }}
</style></head><body>
<div class="cols">{"".join(parts)}</div></body></html>"""


def _print(page_html: str) -> bytes:
    if not CHROMIUM.exists():
        raise RuntimeError(f"chromium is not installed at {CHROMIUM}: apt-get install chromium")
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "issue.html", Path(folder) / "issue.pdf"
        source.write_text(page_html, encoding="utf-8")
        subprocess.run(
            [
                str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={folder}/profile",
                f"--print-to-pdf={target}", source.as_uri(),
            ],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return target.read_bytes()


@functools.cache
def chromium_pdf(path: Path, seed: int = 0) -> bytes:
    """The issue at `path` laid out in HTML and CSS and printed to PDF by chromium."""
    return _print(_html(layout_of(path.read_text(encoding="utf-8")), seed))


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst(layout: Layout, folder: Path, seed: int) -> str:
    (folder / "logo.png").write_bytes(logo())
    out = [
        f"""#set page(paper: "a4", margin: (x: 16mm, top: 24mm, bottom: 20mm), columns: 2,
  header: grid(columns: (9mm, 1fr), align: horizon, image("logo.png", width: 9mm),
    align(center, text(7.5pt, fill: rgb("#0033A0"))[#{_typst_string(layout.header)}])),
  footer: context align(center, text(7.5pt)[#{_typst_string(FOOTER)}#counter(page).display()]))
#set columns(gutter: 7mm)
#set text(font: ("Libertinus Serif", "WenQuanYi Micro Hei"), size: 9.5pt, lang: "en",
  hyphenate: true, ligatures: true)
#set par(justify: true, leading: 0.45em, spacing: 0.45em)
#set figure(numbering: none, gap: 1.5mm)
#show figure.caption: it => align(left, text(7.5pt, style: "italic", it.body))
#place(top, scope: "parent", float: true, block(width: 100%, inset: (bottom: 3mm),
  stroke: (bottom: 2pt + rgb("#0033A0")))[
  #place(right, image("logo.png", width: 16mm))
  #set text(13pt, weight: "bold", fill: rgb("#0033A0"))
  #set par(justify: false)"""
    ]
    out += [f"  #{_typst_string(line)} \\" for line in layout.masthead]
    out.append("])")
    in_box = False
    for n, block in enumerate(layout.blocks):
        if n in layout.index_blocks and not in_box:
            out.append('#block(stroke: 0.8pt + rgb("#0033A0"), inset: 2.5mm, width: 100%)[')
            out.append("#set par(justify: false)")
            in_box = True
        if n not in layout.index_blocks and in_box:
            out.append("]")
            in_box = False
        for line in block:
            indent = len(line) - len(line.lstrip(" "))
            text = line.strip()
            if text in layout.titles:
                out.append(
                    f'#par(justify: false)[#text(weight: "bold", fill: rgb("#0033A0"), '
                    f"hyphenate: false)"
                    f"[#{_typst_string(text)}]]"
                )
            elif indent:
                out.append(f"#pad(left: {0.6 * indent}em)[#{_typst_string(text)}]")
            else:
                out.append(f"#par[#{_typst_string(text)}]")
        out.append("#v(1.1em)")
        if n in layout.photos:
            _, caption = layout.photos[n]
            name = f"photo-{n}.jpg"
            (folder / name).write_bytes(photo(seed + n))
            out.append(
                f'#figure(image("{name}", width: 100%), caption: [#{_typst_string(caption)}])'
            )
            out.append("#v(0.6em)")
    if in_box:
        out.append("]")
    return "\n".join(out) + "\n"


@functools.cache
def typst_pdf(path: Path, seed: int = 0) -> bytes:
    """The issue at `path` set in Typst (two columns, frames for the masthead and index)."""
    import typst

    font = find_cjk_font()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "issue.typ"
        layout = layout_of(path.read_text(encoding="utf-8"))
        source.write_text(_typst(layout, Path(folder), seed), encoding="utf-8")
        fonts = [str(Path(font).parent)] if font else []
        return typst.compile(str(source), font_paths=fonts)


ENGINES = {"chromium": chromium_pdf, "typst": typst_pdf}


def expected_photos(path: Path) -> dict[str, str]:
    """Caption -> title of the story each photo of the designed PDF belongs to."""
    layout = layout_of(path.read_text(encoding="utf-8"))
    return {caption: title for title, caption in layout.photos.values()}


def facts(issue: Issue) -> dict:
    """What must survive any layout: number, month, stories, events, upcoming, policies, people."""
    return {
        "number": issue.number,
        "month": issue.month,
        "sections": [s.title for s in issue.sections],
        "stories": [t.title for t in issue.stories],
        "events": sorted((e.start, e.end, e.place, e.format) for e in issue.events),
        "upcoming": [(u.title, u.start, u.end, u.period) for u in issue.upcoming],
        "policies": [(p.title, p.date, p.url) for p in issue.policies],
        "people": [(p.name, p.role) for p in issue.people],
    }
