"""An issue as Markdown: the canonical form the console edits, and Markdown written by hand.

The canonical form (what `to_markdown` writes) has YAML front matter holding the structured lists
(events, upcoming, policies, photos) and the masthead facts; the body holds the foreword
paragraphs, then `# Section`, `## Story` (with ` {kind=...}` for the policy corner and the
coming-soon list), paragraphs separated by blank lines, tables in pipe form, photos as
`![caption](photo:KEY)` lines, and quotes:

    > The quoted text.
    >
    > — Speaker Name
    > Role

Writing an issue and reading it back gives the same issue (the tests check it with hypothesis).
A file whose front matter has no `events` list (or that has no front matter) was written by hand
and is read as the text import reads a newsletter (bot/newsletter/markdown_hand.py).
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from collections.abc import Mapping

import yaml

from bot.newsletter.decode import MAX_MARKDOWN_BYTES, IssueImportError, decode_bytes
from bot.newsletter.importing import MAX_PHOTO_BYTES, open_archive, read_entry
from bot.newsletter.model import (
    Event,
    Foreword,
    Issue,
    ModelError,
    Person,
    Photo,
    Policy,
    Quote,
    Section,
    Story,
    Upcoming,
)

_KIND_RE = re.compile(r"^(?P<title>.*?) \{kind=(?P<kind>\w+)\}$")
_ESCAPED_STARTS = ("#", ">", "\\", "!")
_ATTRIBUTION = "— "
IMAGE_RE = re.compile(
    r"^!\[(?P<alt>(?:\\.|[^\]\\])*)\]\(\s*<?(?P<src>[^\s<>]+?)>?"
    r"(?:\s+\"(?P<title>(?:\\.|[^\"\\])*)\")?\s*\)$"
)
PHOTO_REF = "photo:"
TEMPLATE_NAME = "template.md"


def _escape(paragraph: str) -> str:
    return "\\" + paragraph if paragraph.startswith(_ESCAPED_STARTS) else paragraph


def _unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _quote_block(quote: Quote) -> str:
    lines = [f"> {line}" if line else ">" for line in quote.text.split("\n")]
    if quote.speaker or quote.role:
        lines += [">", f"> {_ATTRIBUTION}{quote.speaker}"]
        if quote.role:
            lines.append(f"> {quote.role}")
    return "\n".join(lines)


def _photo_line(photo: Photo) -> str:
    caption = " ".join(photo.caption.split()).replace("\\", "\\\\").replace("]", "\\]")
    return f"![{caption}]({PHOTO_REF}{photo.key})"


def _story_blocks(story: Story) -> list[str]:
    heading = f"## {story.title}"
    if story.kind != "story" or _KIND_RE.match(heading):
        heading += f" {{kind={story.kind}}}"
    out = [heading]
    quotes = sorted(story.quotes, key=lambda q: q.after)
    photos = sorted(story.photos, key=lambda p: p.after)
    for position in range(len(story.paragraphs) + 1):
        out += [_quote_block(q) for q in quotes if min(q.after, len(story.paragraphs)) == position]
        out += [_photo_line(p) for p in photos if min(p.after, len(story.paragraphs)) == position]
        if position < len(story.paragraphs):
            out.append(_escape(story.paragraphs[position]))
    return out


def to_markdown(issue: Issue) -> str:
    """The issue as Markdown with YAML front matter (canonical: same issue, same text)."""
    front = {
        "number": issue.number,
        "month": issue.month,
        "title": issue.title,
        "masthead": list(issue.masthead),
        "signatory": issue.foreword.signatory.to_dict() if issue.foreword.signatory else None,
        "events": [e.to_dict() for e in issue.events],
        "upcoming": [u.to_dict() for u in issue.upcoming],
        "policies": [p.to_dict() for p in issue.policies],
        "warnings": list(issue.warnings),
    }
    if issue.photos:
        front["photos"] = [
            {k: v for k, v in p.to_dict().items() if k not in ("caption", "after")}
            for p in issue.photos
        ]
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10_000)
    blocks = [_escape(p) for p in issue.foreword.paragraphs]
    for section in issue.sections:
        blocks.append(f"# {section.title}")
        for story in section.stories:
            blocks += _story_blocks(story)
    return f"---\n{head}---\n\n" + "\n\n".join(blocks) + "\n"


def split_front(text: str) -> tuple[dict, str, int]:
    """The front matter (empty when the file has none), the body and the body's first line."""
    if not text.startswith("---\n"):
        return {}, text, 0
    end = text.find("\n---\n", 3)
    if end < 0:
        raise IssueImportError("the YAML front matter is not closed by a '---' line")
    try:
        front = yaml.safe_load(text[4 : end + 1])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise IssueImportError(f"the front matter is not valid YAML{where}") from None
    if front is None:
        front = {}
    if not isinstance(front, dict):
        raise IssueImportError("the front matter must be a YAML mapping (number, month, ...)")
    return front, text[end + 5 :], text[: end + 5].count("\n")


def parse_quote(block: str) -> Quote:
    """A "> " block as a quote, with its "— Speaker" and role lines when it has them."""
    lines = [line[2:] if line.startswith("> ") else "" for line in block.split("\n")]
    if "" in lines:
        cut = len(lines) - 1 - lines[::-1].index("")
        text, attribution = lines[:cut], lines[cut + 1 :]
        if attribution and attribution[0].startswith(_ATTRIBUTION):
            speaker = attribution[0][len(_ATTRIBUTION) :]
            role = "\n".join(attribution[1:])
            return Quote("\n".join(text), speaker, role)
    return Quote("\n".join(lines))


class ImageFiles:
    """Where the images a Markdown file names come from: the files of its .zip, data: URIs, and
    the photos the issue already has (`photo:KEY`); a remote URL is refused, never fetched."""

    def __init__(self, files: Mapping[str, bytes] | None = None) -> None:
        self.files = files

    def read(self, src: str) -> bytes:
        """The image's bytes, or IssueImportError in one line naming it."""
        if src.startswith("data:"):
            head, _, payload = src.partition(",")
            if not head.startswith("data:image/") or not head.endswith(";base64"):
                raise IssueImportError(
                    f"image {src[:40]}...: only base64 data:image/ URIs are read"
                )
            if len(payload) > MAX_PHOTO_BYTES * 4 // 3 + 4:
                raise IssueImportError(f"image {src[:40]}... is larger than 25 MB")
            try:
                return base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                raise IssueImportError(f"image {src[:40]}... is not valid base64") from None
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", src, re.I):
            raise IssueImportError(
                f"image {src[:120]} is a remote URL: the server does not fetch the internet; "
                "put the file in a .zip beside the .md"
            )
        name = urllib.parse.unquote(src).lstrip("./")
        if self.files is None:
            raise IssueImportError(
                f"image {src[:120]} is not here: upload a .zip of the .md with its image files"
            )
        if name not in self.files:
            raise IssueImportError(f"image {src[:120]} is not in the zip")
        return self.files[name]


def from_markdown(text: str, images: ImageFiles | None = None) -> Issue:
    """Read an issue from Markdown: the canonical form, or Markdown written by hand."""
    text = text.replace("\r\n", "\n")
    front, body, first_line = split_front(text)
    images = images or ImageFiles()
    if "events" not in front:
        from bot.newsletter.markdown_hand import read_hand_written

        return read_hand_written(text, front, first_line, images)
    return _read_canonical(front, body, images)


def _front_photos(front: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for entry in front.get("photos") or []:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise IssueImportError("front matter: each of photos needs a key")
        found[entry["key"]] = entry
    return found


def _read_canonical(front: dict, body: str, images: ImageFiles) -> Issue:
    try:
        issue = Issue.from_dict({**front, "foreword": {}, "sections": []})
        signatory = front.get("signatory")
        issue.foreword = Foreword(signatory=Person.from_dict(signatory) if signatory else None)
        issue.events = [Event.from_dict(e) for e in front.get("events") or []]
        issue.upcoming = [Upcoming.from_dict(u) for u in front.get("upcoming") or []]
        issue.policies = [Policy.from_dict(p) for p in front.get("policies") or []]
    except (ModelError, AttributeError, TypeError) as exc:
        raise IssueImportError(f"front matter: {exc}") from None
    photos = _front_photos(front)
    placer = None
    blocks = body.strip("\n").split("\n\n") if body.strip("\n") else []
    story: Story | None = None
    for block in blocks:
        image = IMAGE_RE.match(block)
        if block.startswith("# "):
            issue.sections.append(Section(block[2:]))
            story = None
        elif block.startswith("## "):
            if not issue.sections:
                raise IssueImportError(f"story '{block[3:]}' comes before any '# Section' heading")
            match = _KIND_RE.match(block[3:])
            title, kind = (match["title"], match["kind"]) if match else (block[3:], "story")
            try:
                story = Story.from_dict({"title": title, "kind": kind})
            except ModelError as exc:
                raise IssueImportError(str(exc)) from None
            issue.sections[-1].stories.append(story)
        elif block.startswith(">"):
            if story is None:
                raise IssueImportError("a quote comes before any '## Story' heading")
            quote = parse_quote(block)
            quote.after = len(story.paragraphs)
            story.quotes.append(quote)
        elif image:
            if story is None:
                raise IssueImportError("a photo comes before any '## Story' heading")
            caption = _unescape_md(image["title"] or image["alt"])
            src = image["src"]
            if src.startswith(PHOTO_REF):
                entry = photos.get(src[len(PHOTO_REF) :])
                if entry is None:
                    raise IssueImportError(f"photo {src} is not in the front matter's photos")
                try:
                    photo = Photo.from_dict({**entry, "caption": caption})
                except ModelError as exc:
                    raise IssueImportError(f"front matter: {exc}") from None
                photo.after = len(story.paragraphs)
                story.photos.append(photo)
            else:
                if placer is None:
                    from bot.newsletter.importing import PhotoPlacer

                    placer = PhotoPlacer(issue, issue.warnings.append)
                placer.add(story, len(story.paragraphs), images.read(src), caption, src[:60])
        else:
            paragraph = block[1:] if block.startswith("\\") else block
            if story is not None:
                story.paragraphs.append(paragraph)
            elif not issue.sections:
                issue.foreword.paragraphs.append(paragraph)
            else:
                raise IssueImportError(
                    "a paragraph comes after a section heading but before a story"
                )
    return issue


def from_markdown_bytes(data: bytes) -> Issue:
    """Read an uploaded Markdown file (photos in it as data: URIs make it larger than text)."""
    return from_markdown(decode_bytes(data, MAX_MARKDOWN_BYTES))


def has_embedded_images(data: bytes) -> bool:
    """True when a Markdown file carries images to decode (read it in the capped child)."""
    return b"data:image/" in data


def from_markdown_zip(data: bytes) -> Issue:
    """Read a .zip holding one Markdown file and the image files it names."""
    archive = open_archive(data, "zip")
    names = [
        info.filename
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith("__MACOSX/")
    ]
    markdown = [n for n in names if n.lower().endswith((".md", ".markdown"))]
    if len(markdown) != 1:
        found = ", ".join(markdown[:5]) or "none"
        raise IssueImportError(f"the zip must hold exactly one .md file (found: {found})")
    base = markdown[0].rpartition("/")[0]
    prefix = f"{base}/" if base else ""
    files = _LazyFiles(archive, {n[len(prefix) :]: n for n in names if n.startswith(prefix)})
    text = decode_bytes(read_entry(archive, markdown[0]))
    return from_markdown(text, ImageFiles(files))


class _LazyFiles(Mapping):
    """The zip's files by their path beside the .md, each unpacked only when named."""

    def __init__(self, archive, names: dict[str, str]) -> None:
        self.archive, self.names = archive, names

    def __getitem__(self, name: str) -> bytes:
        return read_entry(self.archive, self.names[name])

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
