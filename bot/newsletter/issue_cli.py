"""`mmsp-bot ingest` (an issue file into Redis) and `mmsp-bot render` (articles to a folder)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from bot.newsletter.decode import MAX_BYTES, MAX_MARKDOWN_BYTES, IssueImportError
from bot.newsletter.model import Issue, ModelError, check_identity
from bot.newsletter.pdf_import import MAX_PDF_BYTES

SAMPLE_ISSUE = Path(__file__).resolve().parent / "samples" / "issue-09.txt"
MARKDOWN_TEMPLATE = Path(__file__).resolve().parent / "samples" / "template.md"


def file_kind(path: Path, head: bytes) -> str:
    """ "pdf", "docx", "markdown-zip", "markdown" or "text", from the name and first bytes."""
    if path.suffix.lower() == ".pdf" or head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "docx" if path.suffix.lower() != ".zip" else "markdown-zip"
    if path.suffix.lower() in {".md", ".markdown"} or head.lstrip(b"\xef\xbb\xbf").startswith(
        b"---"
    ):
        return "markdown"
    return "text"


def read_issue_file(path: Path, limits=None) -> Issue:
    """Import a PDF, Word, Markdown (or a .zip of it with its photos) or text file, refusing
    oversized files before reading them; a PDF, Word file or zip (archives and images that may
    be bombs) is read in a child process capped by `limits` (confined.Limits)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    kind = file_kind(path, head)
    limit = {"pdf": MAX_PDF_BYTES, "docx": MAX_PDF_BYTES, "markdown-zip": MAX_PDF_BYTES}.get(
        kind, MAX_MARKDOWN_BYTES if kind == "markdown" else MAX_BYTES
    )
    size = path.stat().st_size
    if size > limit:
        raise IssueImportError(
            f"{path.name} is {size / 1048576:.1f} MB; the limit is {limit // 1048576} MB"
        )
    issue = _import(kind, path.read_bytes(), limits)
    try:
        check_identity(issue.number, issue.month)
    except ModelError as exc:
        raise IssueImportError(str(exc)) from None
    return issue


def _import(kind: str, data: bytes, limits=None) -> Issue:
    if kind == "pdf":
        from bot.newsletter.confined import run_confined

        return run_confined("bot.newsletter.pdf_import:import_pdf_bytes", data, limits, "PDF")
    if kind == "docx":
        from bot.newsletter.confined import run_confined

        target = "bot.newsletter.docx_import:import_docx_bytes"
        return run_confined(target, data, limits, "Word file")
    if kind == "markdown-zip":
        from bot.newsletter.confined import run_confined

        target = "bot.newsletter.markdown_io:from_markdown_zip"
        return run_confined(target, data, limits, "zip")
    if kind == "markdown":
        from bot.newsletter.confined import run_confined
        from bot.newsletter.markdown_io import from_markdown_bytes, has_embedded_images

        if has_embedded_images(data):
            target = "bot.newsletter.markdown_io:from_markdown_bytes"
            return run_confined(target, data, limits, "Markdown file")
        return from_markdown_bytes(data)
    from bot.newsletter.text_import import import_bytes

    return import_bytes(data)


def _safe_url(url: str) -> str:
    """A Redis URL without its password, fit for an error message."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def _redis():
    from bot import create_app

    app = create_app()
    return app.extensions["redis"], app.extensions["settings"]


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command("ingest")
@click.argument(
    "path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Parse and report, store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the issue as JSON.")
@click.option("--confirm", is_flag=True, help="Make a re-imported issue current at once.")
@click.option("--template", is_flag=True, help="Print a Markdown template of an issue and stop.")
def ingest(path: Path | None, dry_run: bool, as_json: bool, confirm: bool, template: bool) -> None:
    """Import an issue (PDF, Word .docx, text, Markdown or a .zip of Markdown and its photos)
    and store it in Redis."""
    import redis

    from bot.newsletter import store
    from bot.newsletter.confined import Limits
    from config import SettingsError, load_settings

    if template:
        click.echo(MARKDOWN_TEMPLATE.read_text(encoding="utf-8"), nl=False)
        return
    if path is None:
        _fail("give the issue's file (PDF, .docx, .txt, .md or .zip), or --template")

    try:
        limits = Limits.from_settings(load_settings())
    except SettingsError:
        limits = Limits()  # a dry run needs no settings; the store step names the bad one
    try:
        issue = read_issue_file(path, limits)
    except IssueImportError as exc:
        _fail(f"{path.name}: {exc}")
    report = click.echo if not as_json else (lambda text: click.echo(text, err=True))
    if as_json:
        click.echo(json.dumps(issue.to_dict(), ensure_ascii=False, indent=2))
    else:
        counts = issue.summary()
        click.echo(f"issue {issue.number} ({issue.month}): {issue.title or 'untitled'}")
        click.echo(
            "  {sections} sections, {stories} stories, {events} events, {upcoming} upcoming items, "
            "{policies} policy items, {people} people, {photos} photos, {warnings} warnings".format(
                **counts
            )
        )
        for warning in issue.warnings:
            click.echo(f"  warning: {warning}")
    if dry_run:
        report("dry run: nothing stored")
        return
    from bot.newsletter.images import PhotoError

    r, settings = _redis()
    try:
        budget = settings.ISSUE_PHOTO_BUDGET_MB * 1048576
        result = store.save_issue(r, issue, source=path.name, photo_budget=budget)
        if result.status == "pending" and confirm:
            store.confirm_issue(r, issue.number)
            report(f"stored issue {issue.number} as version {result.version} (current, confirmed)")
        elif result.status == "pending":
            report(
                f"issue {issue.number} already exists: stored as pending version {result.version}; "
                f"the current one stays until confirmed (--confirm, or the console)"
            )
        else:
            report(f"stored issue {issue.number} as version {result.version} (current)")
    except PhotoError as exc:
        _fail(f"{path.name}: {exc}")
    except redis.RedisError as exc:
        _fail(f"Redis at {_safe_url(settings.REDIS_URL)} did not answer: {exc}")


@click.command("render")
@click.argument("number", type=int)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--pending", is_flag=True, help="Render the pending version instead of the current.")
def render(number: int, out_dir: Path, pending: bool) -> None:
    """Render issue NUMBER as WeChat articles: HTML, covers, articles.json and preview.html."""
    import redis

    from bot.newsletter import store
    from bot.newsletter.output import write_rendered

    r, settings = _redis()
    try:
        issue = store.get_issue(r, number, "pending" if pending else None)
    except redis.RedisError as exc:
        _fail(f"Redis at {_safe_url(settings.REDIS_URL)} did not answer: {exc}")
    if issue is None:
        which = "pending version of issue" if pending else "issue"
        _fail(f"there is no {which} {number} (import it with: mmsp-bot ingest FILE)")
    from bot.newsletter.images import issue_photo_bytes

    summary = write_rendered(issue, settings, out_dir, photos=issue_photo_bytes(r, issue))
    for line in summary.lines:
        click.echo(line)
    if summary.problems:
        sys.exit(1)


@click.command("reindex")
def reindex() -> None:
    """Rebuild the search indexes of every stored issue (after editing config/glossary.yaml)."""
    from bot.newsletter import store

    r, _ = _redis()
    numbers = [s["number"] for s in store.list_issues(r)]
    for number in numbers:
        store.reindex(r, number)
    click.echo(f"reindexed {len(numbers)} issue(s)")


def register(cli: click.Group) -> None:
    """Attach the newsletter commands to the `mmsp-bot` group."""
    cli.add_command(ingest)
    cli.add_command(reindex)
    cli.add_command(render)
