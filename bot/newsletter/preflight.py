"""The pre-flight check: every way a rendered message would be refused or mangled by WeChat."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from bot.newsletter.covers import THUMB_MAX_BYTES
from bot.newsletter.render import (
    AUTHOR_MAX,
    CONTENT_MAX_CHARS,
    DIGEST_MAX,
    MAX_ARTICLES,
    PLACEHOLDER_PREFIX,
    TITLE_MAX,
)

CONTENT_MAX_BYTES = 1024 * 1024
SOURCE_URL_MAX_BYTES = 1024
# Tags WeChat keeps in article content (the consensus of WeChat editor tools; the official
# draft/add page lists none).
ALLOWED_TAGS = {
    "section", "p", "span", "strong", "b", "em", "i", "u", "br", "h1", "h2", "h3", "h4", "h5",
    "h6", "ul", "ol", "li", "blockquote", "pre", "code", "table", "thead", "tbody", "tr", "td",
    "th", "img", "hr", "sup", "sub", "figure", "figcaption", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"style", "src", "alt", "width", "height", "colspan", "rowspan", "href"}
# Articles may link only to WeChat article pages; other links must be text or numbered notes.
WECHAT_LINK_HOSTS = ("mp.weixin.qq.com",)
# Inline style properties WeChat drops, so a layout relying on them breaks.
DROPPED_STYLES = re.compile(r"(?:^|;)\s*(position|transform)\s*:|url\(|expression\(", re.I)
WECHAT_IMAGE_HOSTS = ("mmbiz.qpic.cn", "mmbiz.qlogo.cn")
# Markdown a reader would see as raw characters: the importer should have turned it into HTML.
_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "section", "blockquote"}
_MARKDOWN_LEFT = [
    (re.compile(r"!\[[^\]]*\]\([^)\s]*\)"), "a Markdown image"),
    (re.compile(r"\|\s*:?-{3,}:?\s*\||^\s*\|[^|]*\|[^|]*\|"), "a Markdown table"),
    (re.compile(r"\*\*\S|\S\*\*"), "Markdown bold marks **"),
]
_MARKDOWN_HEADING = re.compile(r"^\s*#{1,6}\s+\S")


@dataclass(frozen=True)
class Problem:
    """One violation: which article (1-based, 0 for the whole message), which field, what."""

    article: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"article {self.article}" if self.article else "message"
        return f"{where} {self.field}: {self.message}"


class _Scan(HTMLParser):
    """Collects tags, attributes and image sources of a content fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []  # (field, message)
        self.images: list[str] = []
        self.block_start = True

    def handle_data(self, data: str) -> None:
        if not data.strip():
            return
        for pattern, what in _MARKDOWN_LEFT:
            match = pattern.search(data)
            if match:
                self.found.append(("content", f"{what} left as text: {match.group(0)[:60]!r}"))
        if self.block_start and _MARKDOWN_HEADING.match(data):
            self.found.append(
                ("content", f"a Markdown heading left as text: {data.strip()[:60]!r}")
            )
        self.block_start = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _BLOCK_TAGS:
            self.block_start = True
        if tag not in ALLOWED_TAGS:
            self.found.append(("content", f"forbidden tag <{tag}>"))
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES:
                self.found.append(("content", f"forbidden attribute {name}= on <{tag}>"))
            elif name == "style" and value and DROPPED_STYLES.search(value):
                self.found.append(("content", f"style WeChat drops on <{tag}>: {value[:60]}"))
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if _host(href) not in WECHAT_LINK_HOSTS:
                self.found.append(
                    ("content", f"external link {href[:80]} (make it text or a note)")
                )

    handle_startendtag = handle_starttag


def _host(url: str) -> str:
    return re.sub(r"^https?://", "", url, flags=re.I).split("/")[0].split("?")[0].lower()


def _image_problem(src: str, images: dict) -> str | None:
    if src.startswith(PLACEHOLDER_PREFIX):
        return None if src in images else f"image placeholder {src} has no image bytes"
    host = _host(src)
    if any(host == h or host.endswith("." + h) for h in WECHAT_IMAGE_HOSTS):
        return None
    return f"external image {src[:80]} (WeChat filters it out; upload it with uploadimg)"


def check_article(index: int, article) -> list[Problem]:
    """The violations of one rendered article."""
    problems: list[tuple[str, str]] = []
    for name, limit in (("title", TITLE_MAX), ("author", AUTHOR_MAX), ("digest", DIGEST_MAX)):
        value = getattr(article, name) or ""
        if len(value) > limit:
            problems.append((name, f"too long: {len(value)} characters, the limit is {limit}"))
    if not article.title.strip():
        problems.append(("title", "missing"))
    content = article.content or ""
    if not content.strip():
        problems.append(("content", "missing"))
    if len(content) >= CONTENT_MAX_CHARS:
        problems.append(("content", f"too long: {len(content)} characters, the limit is 20000"))
    if len(content.encode()) >= CONTENT_MAX_BYTES:
        problems.append(("content", "too large: 1 MB or more"))
    url = article.content_source_url or ""
    if len(url.encode()) > SOURCE_URL_MAX_BYTES:
        problems.append(("content_source_url", "too long: over 1 KB"))
    if url and not url.startswith(("http://", "https://")):
        problems.append(("content_source_url", "not an http(s) URL"))
    cover = getattr(article, "thumb", None) or getattr(article, "cover", None)
    if not cover:
        problems.append(("cover", "missing cover"))
    elif getattr(article, "thumb", None) and len(article.thumb) > THUMB_MAX_BYTES:
        problems.append(("cover", f"thumb is {len(article.thumb)} bytes, over WeChat's 64 KB"))
    scan = _Scan()
    scan.feed(content)
    scan.close()
    problems += scan.found
    images = dict(getattr(article, "images", {}) or {})
    for src in scan.images:
        problem = _image_problem(src, images)
        if problem:
            problems.append(("content", problem))
    return [Problem(index, field, message) for field, message in problems]


def check(articles) -> list[Problem]:
    """Every violation of a rendered message (empty when it can go to draft/add as it is)."""
    articles = list(articles)
    problems: list[Problem] = []
    if not articles:
        problems.append(Problem(0, "articles", "no articles"))
    if len(articles) > MAX_ARTICLES:
        problems.append(
            Problem(
                0, "articles", f"{len(articles)} articles, a message holds at most {MAX_ARTICLES}"
            )
        )
    for index, article in enumerate(articles, 1):
        problems += check_article(index, article)
    return problems
