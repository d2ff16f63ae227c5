"""Imports waiting for a staff member's confirmation, and text forms of issues for the diff view.

An upload or an edit is parsed at once but stored as an issue only when confirmed: until then it
waits under `staff:import:{id}` (a day), so the report with its warnings is read first.
"""

from __future__ import annotations

import difflib
import json
import secrets
import time
from dataclasses import dataclass

import redis

from bot.newsletter.images import DEFAULT_BUDGET
from bot.newsletter.model import Issue

DRAFT_TTL = 24 * 3600
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportFailed(ValueError):
    """The upload could not be read as an issue; the message is one line for the staff member."""


@dataclass(frozen=True)
class Draft:
    id: str
    issue: Issue
    filename: str
    kind: str
    by: str
    at: float


# Importers of archives that may hold bombs (zip entries, images), run in a capped child.
_CONFINED = {
    "docx": ("bot.newsletter.docx_import:import_docx_bytes", "Word file"),
    "markdown-zip": ("bot.newsletter.markdown_io:from_markdown_zip", "zip"),
}


def _kind(filename: str, data: bytes) -> str:
    """Which importer reads a file: by its first bytes for PDF and zip archives, else its name."""
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        return "markdown-zip" if filename.lower().endswith(".zip") else "docx"
    if filename.lower().endswith((".md", ".markdown")) or data.lstrip()[:3] == b"---":
        return "markdown"
    return "text"


def parse_upload(filename: str, data: bytes, limits=None) -> tuple[Issue, str]:
    """Parse an uploaded PDF, Word, text or Markdown file (or a .zip of Markdown and photos);
    a PDF, Word file or zip is read in a capped child process (confined.Limits), so a hostile
    file cannot take the worker down."""
    issue, kind = _parse_upload(filename, data, limits)
    return _checked(issue), kind


def _checked(issue: Issue) -> Issue:
    """The issue, unless its number or month is impossible (refused before anything waits)."""
    from bot.newsletter.model import check_identity

    try:
        check_identity(issue.number, issue.month)
    except ValueError as exc:
        raise ImportFailed(str(exc)) from None
    return issue


def _parse_upload(filename: str, data: bytes, limits=None) -> tuple[Issue, str]:
    if not data:
        raise ImportFailed("the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFailed(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
    kind = _kind(filename, data)
    try:
        if kind == "pdf":
            from bot.newsletter.confined import run_confined

            target = "bot.newsletter.pdf_import:import_pdf_bytes"
            return run_confined(target, data, limits, "PDF"), kind
        if kind in _CONFINED:
            from bot.newsletter.confined import run_confined

            target, what = _CONFINED[kind]
            return run_confined(target, data, limits, what), kind
        if kind == "markdown":
            from bot.newsletter import markdown_io
            from bot.newsletter.confined import run_confined

            if markdown_io.has_embedded_images(data):
                target = "bot.newsletter.markdown_io:from_markdown_bytes"
                return run_confined(target, data, limits, "Markdown file"), kind
            return markdown_io.from_markdown_bytes(data), kind
        from bot.newsletter import text_import

        return text_import.import_bytes(data), kind
    except ValueError as exc:
        raise ImportFailed(_one_line(exc, "unreadable file")) from None


def _one_line(exc: Exception, fallback: str) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else fallback


def parse_markdown(text: str) -> Issue:
    """Parse the Markdown form of an issue as edited in the console."""
    from bot.newsletter import markdown_io

    try:
        issue = markdown_io.from_markdown(text)
    except ValueError as exc:
        raise ImportFailed(
            str(exc).splitlines()[0] if str(exc) else "unreadable Markdown"
        ) from None
    return _checked(issue)


def to_markdown(issue: Issue) -> str:
    from bot.newsletter import markdown_io

    return markdown_io.to_markdown(issue)


def save_draft(
    r: redis.Redis,
    issue: Issue,
    filename: str,
    kind: str,
    by: str,
    photo_budget: int = DEFAULT_BUDGET,
) -> str:
    """Keep a parsed upload for confirmation; its photos' bytes are stored now (by hash), as the
    draft's JSON carries only their hashes. images.PhotoError when they exceed the budget."""
    from bot.newsletter.images import store_issue_photos

    store_issue_photos(r, issue, photo_budget)
    draft_id = secrets.token_urlsafe(12)
    payload = {
        "issue": issue.to_dict(),
        "filename": filename,
        "kind": kind,
        "by": by,
        "at": time.time(),
    }
    r.set(f"staff:import:{draft_id}", json.dumps(payload, ensure_ascii=False), ex=DRAFT_TTL)
    return draft_id


def get_draft(r: redis.Redis, draft_id: str) -> Draft | None:
    raw = r.get(f"staff:import:{draft_id}")
    if not raw:
        return None
    data = json.loads(raw)
    return Draft(
        draft_id,
        Issue.from_dict(data["issue"]),
        data["filename"],
        data["kind"],
        data["by"],
        data["at"],
    )


def take_draft(r: redis.Redis, draft_id: str) -> Draft | None:
    """Remove and return a draft, so that two clicks on "confirm" store it once."""
    draft = get_draft(r, draft_id)
    if draft and r.delete(f"staff:import:{draft_id}"):
        return draft
    return None


def unified_diff(old: Issue | None, new: Issue | None, old_name: str, new_name: str) -> list[str]:
    """The line difference of two issues' Markdown forms (empty when they read the same)."""
    before = to_markdown(old).splitlines() if old else []
    after = to_markdown(new).splitlines() if new else []
    return list(difflib.unified_diff(before, after, old_name, new_name, lineterm="", n=2))
