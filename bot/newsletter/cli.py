"""`mmsp-bot ingest` (an issue file into Redis) and `mmsp-bot render` (articles to a folder)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from bot.newsletter.decode import MAX_BYTES, IssueImportError, decode_bytes
from bot.newsletter.model import Issue
from bot.newsletter.pdf_import import MAX_PDF_BYTES

SAMPLE_ISSUE = Path(__file__).resolve().parent / "samples" / "issue-09.txt"


def file_kind(path: Path, head: bytes) -> str:
    """ "pdf", "markdown" or "text", from the name and the first bytes."""
    if path.suffix.lower() == ".pdf" or head.startswith(b"%PDF"):
        return "pdf"
    if path.suffix.lower() in {".md", ".markdown"} or head.lstrip(b"\xef\xbb\xbf").startswith(
        b"---"
    ):
        return "markdown"
    return "text"


def read_issue_file(path: Path) -> Issue:
    """Import a PDF, Markdown or text file, refusing oversized files before reading them."""
    with path.open("rb") as handle:
        head = handle.read(8)
    kind = file_kind(path, head)
    limit = MAX_PDF_BYTES if kind == "pdf" else MAX_BYTES
    size = path.stat().st_size
    if size > limit:
        raise IssueImportError(
            f"{path.name} is {size / 1048576:.1f} MB; the limit is {limit // 1048576} MB"
        )
    data = path.read_bytes()
    if kind == "pdf":
        from bot.newsletter.pdf_import import import_pdf_bytes

        return import_pdf_bytes(data)
    if kind == "markdown":
        from bot.newsletter.markdown_io import from_markdown

        return from_markdown(decode_bytes(data))
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
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Parse and report, store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the issue as JSON.")
@click.option("--confirm", is_flag=True, help="Make a re-imported issue current at once.")
def ingest(path: Path, dry_run: bool, as_json: bool, confirm: bool) -> None:
    """Import an issue (PDF, text extracted from it, or Markdown) and store it in Redis."""
    import redis

    from bot.newsletter import store

    try:
        issue = read_issue_file(path)
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
            "{policies} policy items, {people} people, {warnings} warnings".format(**counts)
        )
        for warning in issue.warnings:
            click.echo(f"  warning: {warning}")
    if dry_run:
        report("dry run: nothing stored")
        return
    r, settings = _redis()
    try:
        result = store.save_issue(r, issue, source=path.name)
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
    summary = write_rendered(issue, settings, out_dir)
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
