"""The canonical, human-editable form of an issue: Markdown with YAML front matter.

The front matter holds the structured lists (events, upcoming, policies) and the masthead facts;
the body holds the foreword paragraphs, then `# Section`, `## Story` (with ` {kind=...}` for the
policy corner and the coming-soon list), paragraphs separated by blank lines, and quotes:

    > The quoted text.
    >
    > — Speaker Name
    > Role

Writing an issue and reading it back gives the same issue (the tests check it with hypothesis).
"""

from __future__ import annotations

import re

import yaml

from bot.newsletter.decode import IssueImportError
from bot.newsletter.model import (
    Event,
    Foreword,
    Issue,
    ModelError,
    Person,
    Policy,
    Quote,
    Section,
    Story,
    Upcoming,
)

_KIND_RE = re.compile(r"^(?P<title>.*?) \{kind=(?P<kind>\w+)\}$")
_ESCAPED_STARTS = ("#", ">", "\\")
_ATTRIBUTION = "— "


def _escape(paragraph: str) -> str:
    return "\\" + paragraph if paragraph.startswith(_ESCAPED_STARTS) else paragraph


def _quote_block(quote: Quote) -> str:
    lines = [f"> {line}" if line else ">" for line in quote.text.split("\n")]
    if quote.speaker or quote.role:
        lines += [">", f"> {_ATTRIBUTION}{quote.speaker}"]
        if quote.role:
            lines.append(f"> {quote.role}")
    return "\n".join(lines)


def _story_blocks(story: Story) -> list[str]:
    heading = f"## {story.title}"
    if story.kind != "story" or _KIND_RE.match(heading):
        heading += f" {{kind={story.kind}}}"
    out = [heading]
    quotes = sorted(story.quotes, key=lambda q: q.after)
    for position in range(len(story.paragraphs) + 1):
        out += [_quote_block(q) for q in quotes if min(q.after, len(story.paragraphs)) == position]
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
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10_000)
    blocks = [_escape(p) for p in issue.foreword.paragraphs]
    for section in issue.sections:
        blocks.append(f"# {section.title}")
        for story in section.stories:
            blocks += _story_blocks(story)
    return f"---\n{head}---\n\n" + "\n\n".join(blocks) + "\n"


def _split_front(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise IssueImportError("no YAML front matter: the file must start with a '---' line")
    end = text.find("\n---\n", 3)
    if end < 0:
        raise IssueImportError("the YAML front matter is not closed by a '---' line")
    try:
        front = yaml.safe_load(text[4 : end + 1])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise IssueImportError(f"the front matter is not valid YAML{where}") from None
    if not isinstance(front, dict):
        raise IssueImportError("the front matter must be a YAML mapping (number, month, ...)")
    return front, text[end + 5 :]


def _parse_quote(block: str) -> Quote:
    lines = [line[2:] if line.startswith("> ") else "" for line in block.split("\n")]
    if "" in lines:
        cut = len(lines) - 1 - lines[::-1].index("")
        text, attribution = lines[:cut], lines[cut + 1 :]
        if attribution and attribution[0].startswith(_ATTRIBUTION):
            speaker = attribution[0][len(_ATTRIBUTION) :]
            role = "\n".join(attribution[1:])
            return Quote("\n".join(text), speaker, role)
    return Quote("\n".join(lines))


def from_markdown(text: str) -> Issue:
    """Read an issue written by to_markdown (or edited by hand in that form)."""
    front, body = _split_front(text.replace("\r\n", "\n"))
    try:
        issue = Issue.from_dict({**front, "foreword": {}, "sections": []})
        signatory = front.get("signatory")
        issue.foreword = Foreword(signatory=Person.from_dict(signatory) if signatory else None)
        issue.events = [Event.from_dict(e) for e in front.get("events") or []]
        issue.upcoming = [Upcoming.from_dict(u) for u in front.get("upcoming") or []]
        issue.policies = [Policy.from_dict(p) for p in front.get("policies") or []]
    except (ModelError, AttributeError, TypeError) as exc:
        raise IssueImportError(f"front matter: {exc}") from None
    blocks = body.strip("\n").split("\n\n") if body.strip("\n") else []
    story: Story | None = None
    for block in blocks:
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
            quote = _parse_quote(block)
            quote.after = len(story.paragraphs)
            story.quotes.append(quote)
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
