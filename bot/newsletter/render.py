"""An issue rendered as one multi-article WeChat message: WeChat-safe HTML, fitted fields, covers.

Images in the content are placeholders, `src="mmsp-image://NAME"`; publishing uploads each
image (bytes in `RenderedArticle.images`) with media/uploadimg and swaps the placeholder for the
returned mmbiz URL with `swap_images`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from bot.newsletter import blocks as textblocks
from bot.newsletter import covers, tables
from bot.newsletter.dates import MONTH_NAMES, find_dates
from bot.newsletter.model import URL_RE, Issue, Photo, Section, Story
from bot.newsletter.story_events import dateline_place
from bot.newsletter.textfit import cut_at_word, display_title, summary
from config import PROJECT_ROOT

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
MAX_ARTICLES = 8
CONTENT_MAX_CHARS = 20_000
DEFAULT_AUTHOR = "IOM China"
PLACEHOLDER_PREFIX = "mmsp-image://"
# A section with less text than this shares its article with the next short one.
SHORT_SECTION_CHARS = 1500

_env = Environment(
    loader=FileSystemLoader(str(PROJECT_ROOT / "templates")),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)
_CLASS_ATTR = re.compile(r'\s+class="[^"]*"')


@dataclass
class RenderedArticle:
    """One article of the message, with every field draft/add takes and its images as bytes."""

    title: str
    author: str
    digest: str
    content: str
    content_source_url: str
    cover: bytes
    thumb: bytes
    cover_name: str
    kind: str  # "lead" or "section"
    images: dict[str, bytes] = field(default_factory=dict)
    need_open_comment: int = 0
    only_fans_can_comment: int = 0


def placeholder(name: str) -> str:
    """The src an image gets in rendered content until publishing swaps in its uploaded URL."""
    return f"{PLACEHOLDER_PREFIX}{name}"


def swap_images(html: str, urls: dict[str, str]) -> str:
    """Content with each placeholder swapped for its uploaded URL; one left over is an error."""
    for key, url in urls.items():
        html = html.replace(key, url)
    left = re.findall(re.escape(PLACEHOLDER_PREFIX) + r"[^\"'\s>]+", html)
    if left:
        raise ValueError(f"no uploaded URL for image placeholder {left[0]}")
    return html


def month_label(month: str) -> str:
    """ "2021-06" as "June 2021"."""
    year, number = month.split("-")
    return f"{MONTH_NAMES[int(number) - 1]} {year}"


def _day_label(day: str) -> str:
    year, month, date_ = day.split("-")
    return f"{int(date_)} {MONTH_NAMES[int(month) - 1]} {year}"


class _Notes:
    """External URLs of one article, numbered in order of appearance."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def number(self, url: str) -> int:
        if url not in self.urls:
            self.urls.append(url)
        return self.urls.index(url) + 1


def _inline(text: str, notes: _Notes) -> Markup:
    """Escaped text with dates in bold and URLs replaced by numbered note markers."""
    marks: list[tuple[int, int, Markup]] = []
    for match in URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:")
        end = match.start() + len(url)
        begin = (
            match.start() - 1
            if match.start() > 0 and text[match.start() - 1] == "<"
            else match.start()
        )
        if end < len(text) and text[end] == ">":
            end += 1
        marks.append(
            (begin, end, Markup('<span class="ref">[{}]</span>').format(notes.number(url)))
        )
    for span in find_dates(text):
        if not any(b < span.stop and span.begin < e for b, e, _ in marks):
            marks.append(
                (
                    span.begin,
                    span.stop,
                    Markup('<strong class="date">{}</strong>').format(text[span.begin : span.stop]),
                )
            )
    out, pos = Markup(""), 0
    for begin, end, markup in sorted(marks, key=lambda m: m[0]):
        out += escape(text[pos:begin]) + markup
        pos = end
    return out + escape(text[pos:])


def _list_items(paragraph: str, notes: _Notes) -> list[dict]:
    roots: list[dict] = []
    stack: list[tuple[int, list]] = [(-1, roots)]
    for raw in paragraph.split("\n"):
        level = (len(raw) - len(raw.lstrip(" "))) // 2
        item = {"html": _inline(textblocks.bullet_text(raw), notes), "children": []}
        while stack[-1][0] >= level:
            stack.pop()
        stack[-1][1].append(item)
        stack.append((level, item["children"]))
    return roots


def _block(paragraph: str, notes: _Notes) -> dict:
    if tables.is_table(paragraph):
        header, *body = tables.rows(paragraph)
        return {
            "type": "table",
            "header": [_inline(cell, notes) for cell in header],
            "rows": [[_inline(cell, notes) for cell in row] for row in body],
        }
    if all(line.lstrip().startswith("- ") for line in paragraph.split("\n")):
        return {"type": "list", "entries": _list_items(paragraph, notes)}
    if dateline_place(paragraph):
        return {"type": "dateline", "html": _inline(paragraph, notes)}
    kind = "zh" if textblocks.is_cjk_line(paragraph) else "p"
    return {"type": kind, "html": _inline(paragraph, notes)}


class _Pictures:
    """The photos one article shows: their bytes by placeholder, from the issue's photo bytes."""

    def __init__(self, photos: Mapping[str, bytes]) -> None:
        self.photos = photos
        self.images: dict[str, bytes] = {}

    def block(self, photo: Photo) -> dict | None:
        data = self.photos.get(photo.hash)
        if not data:
            return None  # its bytes are nowhere (a store without them): the text still goes out
        ext = "png" if photo.mime == "image/png" else "jpg"
        src = placeholder(f"photo-{photo.hash[:16]}.{ext}")
        self.images[src] = data
        return {"type": "photo", "src": src, "caption": photo.caption}


def _story_view(
    story: Story, issue: Issue, notes: _Notes, pictures: _Pictures | None = None
) -> dict:
    items: list[dict] = []
    quotes = sorted(story.quotes, key=lambda q: q.after)
    photos = sorted(story.photos, key=lambda p: p.after)
    for position in range(len(story.paragraphs) + 1):
        for photo in photos:
            if pictures and min(photo.after, len(story.paragraphs)) == position:
                block = pictures.block(photo)
                if block:
                    items.append(block)
        for quote in quotes:
            if min(quote.after, len(story.paragraphs)) == position:
                items.append(
                    {
                        "type": "quote",
                        "html": _inline(quote.text, notes),
                        "speaker": quote.speaker,
                        "role": quote.role,
                    }
                )
        if position < len(story.paragraphs):
            items.append(_block(story.paragraphs[position], notes))
    view = {"title": display_title(story.title), "blocks": items, "policies": [], "upcoming": []}
    if story.kind == "policy_corner":
        for policy in issue.policies:
            view["policies"].append(
                {
                    "title": display_title(policy.title),
                    "date": _day_label(policy.date) if policy.date else "",
                    "bullets": [_inline(b, notes) for b in policy.bullets],
                    "paragraphs": [_inline(p, notes) for p in policy.paragraphs],
                    "note": notes.number(policy.url) if policy.url else None,
                }
            )
    if story.kind == "upcoming":
        view["upcoming"] = [{"title": u.title, "period": u.period} for u in issue.upcoming]
    return view


def _text_size(section: Section) -> int:
    return sum(
        len(p)
        for s in section.stories
        for p in [s.title, *s.paragraphs, *(q.text for q in s.quotes)]
    )


def group_sections(issue: Issue) -> list[list[Section]]:
    """Sections per article: short neighbours share one, and at most MAX_ARTICLES - 1 in all."""
    groups: list[list[Section]] = []
    for section in issue.sections:
        small = _text_size(section) < SHORT_SECTION_CHARS
        if groups and small and sum(_text_size(s) for s in groups[-1]) < SHORT_SECTION_CHARS:
            groups[-1].append(section)
        else:
            groups.append([section])
    while len(groups) > MAX_ARTICLES - 1:
        sizes = [
            sum(_text_size(s) for s in a + b) for a, b in zip(groups, groups[1:], strict=False)
        ]
        i = sizes.index(min(sizes))
        groups[i : i + 2] = [groups[i] + groups[i + 1]]
    return groups


def _finish(html: str, timings: dict | None) -> str:
    started = time.perf_counter()
    css = _env.loader.get_source(_env, f"articles/theme-{_theme}.css")[0]
    inlined = _inliner.inline_fragment(html, css)
    if timings is not None:
        timings["inline"] = timings.get("inline", 0.0) + time.perf_counter() - started
    inlined = _CLASS_ATTR.sub("", inlined)
    return "\n".join(line.strip() for line in inlined.splitlines() if line.strip())


_theme = "iom"


def _fit_title(candidates: list[str]) -> str:
    for candidate in candidates:
        if len(candidate) <= TITLE_MAX:
            return candidate
    return cut_at_word(candidates[-1], TITLE_MAX)


Piece = list[tuple[Section, list[Story]]]


def _section_html(
    issue: Issue, piece: Piece, label: str, footer: str, timings, photos: Mapping[str, bytes]
) -> tuple[str, dict[str, bytes]]:
    notes = _Notes()
    pictures = _Pictures(photos)
    parts = [
        {
            "title": display_title(s.title),
            "stories": [_story_view(t, issue, notes, pictures) for t in stories],
        }
        for s, stories in piece
    ]
    html = _env.get_template("articles/section.html").render(
        parts_list=parts, number=issue.number, month_label=label, notes=notes.urls, footer=footer
    )
    return _finish(html, timings), pictures.images


def _split_to_fit(issue: Issue, piece: Piece, label: str, footer: str, timings, photos) -> list:
    """(piece, html, images) triples: the piece whole if its HTML fits, else split in halves by
    story."""
    html, images = _section_html(issue, piece, label, footer, timings, photos)
    stories = [(s, t) for s, ts in piece for t in ts]
    if len(html) < CONTENT_MAX_CHARS or len(stories) < 2:
        return [(piece, html, images)]
    halves = (stories[: len(stories) // 2], stories[len(stories) // 2 :])
    out = []
    for half in halves:
        regrouped: Piece = []
        for section, story in half:
            if regrouped and regrouped[-1][0] is section:
                regrouped[-1][1].append(story)
            else:
                regrouped.append((section, [story]))
        out += _split_to_fit(issue, regrouped, label, footer, timings, photos)
    return out


def render_issue(
    issue: Issue,
    settings=None,
    *,
    author: str = DEFAULT_AUTHOR,
    cache_dir=None,
    timings: dict | None = None,
    photos: Mapping[str, bytes] | None = None,
) -> list[RenderedArticle]:
    """The issue's articles in order (lead first), each with content, fitted fields and covers.

    `photos` holds the bytes of the issue's photos by hash (images.issue_photo_bytes; an issue
    fresh from an importer carries its own): stories show them, covers are drawn over them.
    """
    photos = issue.photo_data if photos is None else photos
    shown = [p for p in issue.photos if photos.get(p.hash)]
    source_url = getattr(settings, "ISSUE_SOURCE_URL", "") if settings is not None else ""
    label = month_label(issue.month)
    footer = f"MMSP II Newsletter · No. {issue.number} · {label}"
    author = cut_at_word(author, AUTHOR_MAX)
    articles: list[RenderedArticle] = []

    heading = _fit_title(
        [
            f"MMSP II Newsletter No. {issue.number} · {label}",
            f"MMSP II No. {issue.number} · {label}",
        ]
    )
    lead_cover = covers.make_cover(
        "lead",
        issue.number,
        label,
        display_title(issue.title) or "Newsletter",
        cache_dir=cache_dir,
        photo=photos[shown[0].hash] if shown else None,
    )
    notes = _Notes()
    foreword = [_block(p, notes) for p in issue.foreword.paragraphs]
    banner = placeholder(f"issue-{issue.number}-banner.jpg")
    html = _env.get_template("articles/lead.html").render(
        banner=banner,
        heading=heading,
        number=issue.number,
        month_label=label,
        foreword=foreword,
        signatory=issue.foreword.signatory,
        contents=[
            {
                "title": display_title(s.title),
                "stories": [display_title(t.title) for t in s.stories],
            }
            for s in issue.sections
        ],
        notes=notes.urls,
        footer=footer,
    )
    digest_source = " ".join(issue.foreword.paragraphs) or heading
    articles.append(
        RenderedArticle(
            title=heading,
            author=author,
            digest=summary(digest_source, DIGEST_MAX),
            content=_finish(html, timings),
            content_source_url=source_url,
            cover=lead_cover.data,
            thumb=lead_cover.thumb,
            cover_name=lead_cover.name,
            kind="lead",
            images={banner: lead_cover.data},
        )
    )
    for group in group_sections(issue):
        pieces = [(section, list(section.stories)) for section in group]
        title = _fit_title([" & ".join(display_title(s.title) for s in group)])
        for part_no, (piece, html, images) in enumerate(
            _split_to_fit(issue, pieces, label, footer, timings, photos)
        ):
            part_title = title if part_no == 0 else _fit_title([f"{title} ({part_no + 1})"])
            first_text = next(
                (p for _, stories in piece for t in stories for p in t.paragraphs if len(p) > 40),
                part_title,
            )
            own = [p for _, stories in piece for t in stories for p in t.photos]
            own = [p for p in own if photos.get(p.hash)]
            # its own first photo, else one of the issue's in turn; the tile when it has none
            chosen = own[0] if own else (shown[len(articles) % len(shown)] if shown else None)
            cover = covers.make_cover(
                "square",
                issue.number,
                label,
                part_title,
                cache_dir=cache_dir,
                photo=photos[chosen.hash] if chosen else None,
            )
            articles.append(
                RenderedArticle(
                    title=part_title,
                    author=author,
                    digest=summary(first_text, DIGEST_MAX),
                    content=html,
                    content_source_url=source_url,
                    cover=cover.data,
                    thumb=cover.thumb,
                    cover_name=cover.name,
                    kind="section",
                    images=images,
                )
            )
    return articles


def render_for_publishing(
    issue: Issue, settings=None, photos: Mapping[str, bytes] | None = None
) -> list[RenderedArticle]:
    """The articles publishing sends: fields, content with placeholders, cover and image bytes."""
    return render_issue(issue, settings, photos=photos)
