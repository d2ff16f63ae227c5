"""`mmsp-bot push`, `mmsp-bot schedules`, `mmsp-bot status`: pushes from the command line."""

from __future__ import annotations

import json
from datetime import datetime

import click

from bot.clock import people_time
from bot.publishing.state import PushError
from bot.publishing.status import PushStatus


def _app():
    from bot import create_app

    return create_app()


def _parse_at(text: str, tz) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        raise click.UsageError(f'--at {text!r} is not a time like "2021-06-30 09:00"') from None


@click.command("push")
@click.argument("number", type=int)
@click.option("--publish", is_flag=True, help="Publish the articles (freepublish).")
@click.option("--broadcast", is_flag=True, help="Mass-send the issue to followers.")
@click.option("--tag", default=None, help="Broadcast to this follower tag (id or name) only.")
@click.option(
    "--preview-to",
    "preview_to",
    multiple=True,
    help="Preview to this openid (default STAFF_OPENIDS).",
)
@click.option("--at", "at_text", default=None, help='When, in TIMEZONE: "2021-06-30 09:00".')
@click.option("--dry-run", is_flag=True, help="Check and show the plan; call no WeChat API.")
@click.option(
    "--again", is_flag=True, help="Broadcast although this issue already went to this audience."
)
def push(number, publish, broadcast, tag, preview_to, at_text, dry_run, again):
    """Push issue NUMBER to WeChat: draft and previews, then publish and/or broadcast.

    A broadcast publishes the articles too (one public copy); --publish alone publishes
    without notifying followers."""
    if tag and not broadcast:
        raise click.UsageError("--tag needs --broadcast")
    if again and not broadcast:
        raise click.UsageError("--again needs --broadcast")
    from bot.publishing import api
    from bot.redisdb import get_redis

    app = _app()
    with app.app_context():
        at = _parse_at(at_text, app.extensions["settings"].tz) if at_text else None
        try:
            result = api.start_push(
                get_redis(),
                number,
                publish=publish,
                broadcast=broadcast,
                tag=tag,
                preview_to=list(preview_to) or None,
                at=at,
                by="cli",
                dry_run=dry_run,
                again=again,
            )
        except PushError as exc:
            raise click.ClickException(str(exc)) from None
    if result["kind"] == "dry-run":
        click.echo(f"dry run of issue {number} ({result['at']}), nothing sent:")
        for title in result["articles"]:
            click.echo(f"  article: {title}")
        for step in result["steps"]:
            click.echo(f"  step: {step}")
    elif result["kind"] == "schedule":
        click.echo(f"scheduled {result['id']}: issue {number} at {at_text} (mmsp-bot schedules)")
    else:
        click.echo(f"push {result['id']} of issue {number} started (mmsp-bot status {number})")


@click.group("schedules", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also fired, missed and cancelled ones.")
@click.pass_context
def schedules(ctx, show_all):
    """List scheduled pushes (times in TIMEZONE)."""
    if ctx.invoked_subcommand:
        return
    from bot.publishing import api
    from bot.redisdb import get_redis

    app = _app()
    with app.app_context():
        items = api.list_schedules(get_redis(), include_finished=show_all)
    if not items:
        click.echo("no schedules")
    for s in items:
        at = people_time(s.at, app.extensions["settings"].tz, seconds=False)
        what = "+".join(k for k in ("publish", "broadcast") if getattr(s.options, k))
        extra = f" push {s.push_id}" if s.push_id else ""
        note = f" ({s.note})" if s.note else ""
        click.echo(
            f"{s.id}  {at}  issue {s.number}  {what or 'draft only'}  {s.state}{extra}{note}"
        )


@schedules.command("cancel")
@click.argument("sched_id")
def cancel(sched_id):
    """Cancel schedule SCHED_ID (e.g. s3) before it fires."""
    from bot.publishing import api
    from bot.redisdb import get_redis

    with _app().app_context():
        try:
            api.cancel(get_redis(), sched_id)
        except PushError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"cancelled {sched_id}")


@schedules.command("confirm")
@click.argument("sched_id")
@click.option("--yes", is_flag=True, help="Confirm without showing the difference first.")
def confirm(sched_id, yes):
    """Approve the issue's current version for schedule SCHED_ID after it changed."""
    import difflib

    from bot.newsletter import markdown_io, store
    from bot.publishing import api, schedule
    from bot.redisdb import get_redis

    with _app().app_context():
        r = get_redis()
        sched = schedule.get(r, sched_id)
        if sched is None:
            raise click.ClickException(f"there is no schedule {sched_id}")
        frozen, current = (
            sched["options"].get("version"),
            schedule.current_version(r, sched["number"]),
        )
        if not yes and frozen is not None and current is not None and int(frozen) != current:
            old = markdown_io.to_markdown(store.get_issue(r, sched["number"], int(frozen)))
            new = markdown_io.to_markdown(store.get_issue(r, sched["number"], current))
            lines = difflib.unified_diff(
                old.splitlines(),
                new.splitlines(),
                f"version {frozen}",
                f"version {current}",
                lineterm="",
            )
            click.echo("\n".join(lines))
            click.confirm(f"Push version {current} of issue {sched['number']}?", abort=True)
        try:
            api.confirm_version(r, sched_id, current)
        except PushError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"{sched_id}: issue {sched['number']} version {current} confirmed")


@click.command("status")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
def status(ref, as_json):
    """Show the newest push of issue REF (a number), or push/schedule REF (p3, s2)."""
    from bot.publishing import api
    from bot.publishing.status import ScheduleStatus
    from bot.redisdb import get_redis

    app = _app()
    settings = app.extensions["settings"]
    with app.app_context():
        found = api.status(get_redis(), ref)
    if found is None:
        raise click.ClickException(f"no push or schedule {ref}")
    if as_json:
        record = found.as_json(settings.tz)
        click.echo(json.dumps(record, ensure_ascii=False, indent=2, default=str))
        return
    if isinstance(found, ScheduleStatus):
        at = people_time(found.at, settings.tz, seconds=False)
        click.echo(f"schedule {found.id}: issue {found.number} at {at}, {found.state}")
        found = found.push  # the push it started, once it fired
    if found is not None:
        _show_push(found, settings)


def _show_push(push: PushStatus, settings) -> None:
    """A push's state, steps (in TIMEZONE) and what it left at WeChat, a line each."""
    click.echo(f"push {push.id}: issue {push.number}, {push.state}")
    waiting = push.waiting_note(settings.tz)
    if waiting:
        click.echo(f"  {waiting}")
    click.echo(f"  (times in {settings.TIMEZONE})")
    for step in push.steps:
        click.echo(f"  {step.state:<11} {people_time(step.at, settings.tz)}")
    if push.failure is not None:
        failure = push.failure
        click.echo(f"  failed at {failure.step}: errcode {failure.errcode} {failure.errmsg}")
        click.echo(f"  what to do: {failure.hint}")
    for label, value in (
        ("draft", push.draft_media_id),
        ("publish id", push.publish_id),
        ("mass msg id", push.msg_id),
    ):
        if value:
            click.echo(f"  {label}: {value}")
    counts = push.counts
    if counts.sent is not None:
        click.echo(
            f"  sent {counts.sent} of {_number(counts.total)} "
            f"(filtered {_number(counts.filtered)}, errors {_number(counts.errors)})"
        )
    for url in push.article_urls:
        click.echo(f"  article: {url}")
    if push.note:
        click.echo(f"  note: {push.note}")


def _number(count: int | None) -> str:
    return "" if count is None else str(count)


def register(cli: click.Group) -> None:
    """Attach push, schedules and status to the mmsp-bot command."""
    for command in (push, schedules, status):
        cli.add_command(command)
