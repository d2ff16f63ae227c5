"""Previews and pushes: the phone-width preview, scheduling, status, cancel and reschedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from bot.clock import people_time
from bot.console import bp, pushing, rendering, zone_label
from bot.console.auth_views import note
from bot.console.security import access
from bot.newsletter import store
from bot.redisdb import get_redis

log = logging.getLogger(__name__)


def _tz():
    return current_app.extensions["settings"].tz


def _issue_or_404(number: int):
    issue = store.get_issue(get_redis(), number)
    if issue is None:
        abort(404, f"There is no issue {number}.")
    return issue


@bp.get("/issues/<int:number>/preview")
@access("editor")
def preview(number: int):
    issue = _issue_or_404(number)
    rendered = rendering.render(issue)
    return render_template(
        "console/preview.html",
        issue=issue,
        rendered=rendered,
        receivers=_receivers(),
    )


def _receivers() -> list:
    """Staff with a bound WeChat (the only receivers of previews), the signed-in one first."""
    from bot.console import wechat_binding

    bound = wechat_binding.bound_staff(get_redis())
    return sorted(bound, key=lambda s: (s.name != g.staff.name, s.name))


@bp.get("/issues/<int:number>/articles/<int:index>")
@access("editor")
def article_frame(number: int, index: int):
    """One rendered article on its own, framed by the preview page at phone width."""
    rendered = rendering.render(_issue_or_404(number))
    if not 0 <= index < len(rendered.articles):
        abort(404, "No such article.")
    return rendering.article_page(rendered.articles[index])


@bp.get("/issues/<int:number>/covers/<int:index>")
@access("editor")
def cover(number: int, index: int):
    rendered = rendering.render(_issue_or_404(number))
    if not 0 <= index < len(rendered.articles):
        abort(404, "No such cover.")
    data, mimetype = rendering.cover_image(rendered, index)
    return Response(data, mimetype=mimetype, headers={"Cache-Control": "private, max-age=60"})


@bp.post("/issues/<int:number>/preview/send")
@access("editor")
def send_preview(number: int):
    _issue_or_404(number)
    # Only to a staff account's WeChat bound by its one-time code: never to a typed openid.
    receiver = request.form.get("to") or g.staff.name
    bound = {s.name: s.openid for s in _receivers()}
    if receiver not in bound:
        if receiver == g.staff.name:
            flash("Bind your WeChat on your account page first.", "error")
            return redirect(url_for("console.account"))
        flash(f"{receiver} has no bound WeChat; previews go only to bound staff accounts.", "error")
        return redirect(url_for("console.preview", number=number))
    try:
        at = (
            parse_zone_time(request.form.get("at", ""))
            if request.form.get("when") == "at"
            else None
        )
        push_id = pushing.send_preview(get_redis(), number, bound[receiver], g.staff.name, at)
    except pushing.PushRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.preview", number=number))
    if at:
        note("scheduled preview", f"issue {number} to {receiver} at {_minute(at)} ({push_id})")
        flash(
            f"The preview goes to {receiver}'s WeChat at {_minute(at)} {zone_label()}.",
            "info",
        )
    else:
        note("sent preview", f"issue {number} to {receiver}'s WeChat (push {push_id})")
        flash(f"The preview is on its way to {receiver}'s WeChat.", "info")
    return redirect(url_for("console.push_status", push_id=push_id))


def _minute(at: datetime) -> str:
    """A chosen time as staff read it, to the minute, in the bot's time zone."""
    return people_time(at, _tz(), seconds=False)


def parse_zone_time(text: str) -> datetime | None:
    """A time typed in the form (in TIMEZONE, Beijing time by default), or None for "now"."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace(" ", "T"))
    except ValueError:
        raise pushing.PushRefused(f"{text!r} is not a time like 2021-06-30 09:00") from None
    return moment.replace(tzinfo=_tz()) if moment.tzinfo is None else moment


def _push_form(number: int, form: dict | None = None, status: int = 200):
    issue = _issue_or_404(number)
    r = get_redis()
    default_at = (datetime.now(_tz()) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    return render_template(
        "console/push_form.html",
        issue=issue,
        quota=pushing.quota(r),
        tags=pushing.tags(),
        form=form or {"at": default_at, "publish": "1", "broadcast": "1", "audience": "all"},
        findings=rendering.render(issue).findings,
    ), status


@bp.get("/issues/<int:number>/push")
@access("editor")
def new_push(number: int):
    """The push form; `?duplicate=ID` fills it with that push's choices (a new time)."""
    if request.args.get("correction"):
        flash(
            "A correction publishes the current version without notifying followers: its "
            "articles get new pages, and “latest” and every link the bot gives lead to them.",
            "info",
        )
        at = (datetime.now(_tz()) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
        return _push_form(number, {"at": at, "when": "now", "publish": "1", "audience": "all"})
    copied = request.args.get("duplicate", "")
    status = pushing.status(get_redis(), copied) if copied[:1] in ("p", "s") else None
    if status is None:
        return _push_form(number)
    options = status["options"]
    tag = options.tag_id
    form = {
        "at": (datetime.now(_tz()) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "publish": "1" if options.publish else "",
        "broadcast": "1" if options.broadcast else "",
        "audience": "tag" if tag is not None else "all",
        "tag": "" if tag is None else str(tag),
    }
    flash(f"A copy of push {copied}: check it and choose when.", "info")
    return _push_form(number, form)


def _choices(number: int) -> dict:
    form = request.form
    choice = {
        "number": number,
        "publish": form.get("publish") == "1",
        "broadcast": form.get("broadcast") == "1",
        "again": form.get("again") == "1",
        "tag": form.get("tag", "").strip() if form.get("audience") == "tag" else "",
        "at": parse_zone_time(form.get("at", "")) if form.get("when") != "now" else None,
    }
    if not choice["publish"] and not choice["broadcast"]:
        raise pushing.PushRefused("Choose publish, broadcast or both.")
    if choice["again"] and not choice["broadcast"]:
        raise pushing.PushRefused("'Again' repeats a broadcast: choose broadcast too.")
    if form.get("audience") == "tag" and not choice["tag"]:
        raise pushing.PushRefused("Choose the tag to broadcast to.")
    if choice["at"] and choice["at"] < datetime.now(_tz()) - timedelta(minutes=1):
        raise pushing.PushRefused("That time has passed; choose a later one or 'now'.")
    return choice


@bp.post("/issues/<int:number>/push")
@access("publisher")
def confirm_push(number: int):
    """Show what will happen, with the quota, before anything is scheduled."""
    try:
        choice = _choices(number)
    except pushing.PushRefused as exc:
        flash(str(exc), "error")
        return _push_form(number, dict(request.form), 400)
    # The version shown here is the one confirmed: a later edit cannot slip into the push.
    version = store.issue_meta(get_redis(), number).get("current", "")
    quota = pushing.quota(get_redis(), choice["at"])
    return render_template(
        "console/push_confirm.html",
        issue=_issue_or_404(number),
        choice=choice,
        form={**request.form, "version": version},
        version=version,
        quota=quota,
        quota_at=choice["at"],
        audience=pushing.audience(choice["tag"]) if choice["broadcast"] else None,
        # A broadcast without a send left in its period is not offered at all.
        blocked=choice["broadcast"] and quota["limit"] is not None and not quota["remaining"],
    )


def _reviewed_version() -> int:
    """The issue version the publisher saw on the confirmation page."""
    version = request.form.get("version", "")
    if not version.isdigit():
        raise pushing.PushRefused("The confirmation lacks the issue version; confirm it again.")
    return int(version)


@bp.post("/issues/<int:number>/push/confirmed")
@access("publisher")
def create_push(number: int):
    _issue_or_404(number)
    try:
        choice = _choices(number)
        version = _reviewed_version()
        push_id = pushing.schedule(get_redis(), by=g.staff.name, version=version, **choice)
    except pushing.PushRefused as exc:
        flash(str(exc), "error")
        return _push_form(number, dict(request.form), 400)
    what = " and ".join(k for k in ("publish", "broadcast") if choice[k])
    when = _minute(choice["at"]) if choice["at"] else "now"
    audience = choice["tag"] or "all"
    again = " again (a repeat broadcast)" if choice["again"] else ""
    if choice["at"] is None:
        note("started push", f"issue {number} version {version}: {what} to {audience}{again}")
    else:
        note(
            "scheduled push",
            f"issue {number} version {version}: {what} to {audience} at {when}{again}",
        )
    if choice["at"] is None:
        flash(f"Push of issue {number} started ({what}).", "info")
    else:
        flash(f"Push of issue {number} scheduled ({what}, {when} {zone_label()}).", "info")
    return redirect(url_for("console.push_status", push_id=push_id))


@bp.get("/pushes")
@access("editor")
def pushes():
    issue = request.args.get("issue", "")
    state = request.args.get("state", "")
    number = int(issue) if issue.isdigit() else None
    rows = pushing.list_pushes(get_redis(), number=number, state=state)
    return render_template(
        "console/pushes.html",
        pushes=rows,
        issues=[i["number"] for i in store.list_issues(get_redis())],
        states=pushing.OUTCOMES,
        chosen={"issue": number, "state": state},
    )


def _status_or_404(push_id: str):
    status = pushing.status(get_redis(), push_id)
    if status is None:
        abort(404, "There is no such push.")
    return status


def _changeable_or_403(push_id: str) -> dict:
    """A push the signed-in staff member may change: editors only their previews."""
    status = _status_or_404(push_id)
    if status["reaches_followers"] and not g.staff.can("publisher"):
        abort(403, "Only a publisher may change a push that publishes or broadcasts.")
    return status


@bp.get("/pushes/<push_id>")
@access("editor")
def push_status(push_id: str):
    return render_template("console/push_status.html", push=_status_or_404(push_id))


@bp.get("/pushes/<push_id>/fragment")
@access("editor")
def push_fragment(push_id: str):
    """The status box alone, fetched every few seconds by the page while the push runs."""
    return render_template("console/_push_box.html", push=_status_or_404(push_id))


class _Changed(NamedTuple):
    """What a change to a push leaves: the audit line, the message for staff, the page next."""

    action: str
    detail: str
    message: str
    goto: str = ""


def _change_push(push_id: str, change: Callable[[], _Changed]):
    """Make a change to a push the signed-in staff member may change, note it in the audit log,
    and go to the push's page with one line either way (a refusal stays on this push)."""
    _changeable_or_403(push_id)
    try:
        changed = change()
    except pushing.PushRefused as exc:
        flash(str(exc), "error")
        return redirect(url_for("console.push_status", push_id=push_id))
    note(changed.action, changed.detail)
    flash(changed.message, "info")
    return redirect(url_for("console.push_status", push_id=changed.goto or push_id))


def _new_time() -> datetime:
    """The new time typed for a push (in TIMEZONE)."""
    at = parse_zone_time(request.form.get("at", ""))
    if at is None:
        raise pushing.PushRefused("Give the new time.")
    return at


@bp.post("/pushes/<push_id>/cancel")
@access("editor")
def cancel_push(push_id: str):
    def cancel() -> _Changed:
        pushing.cancel(get_redis(), push_id)
        return _Changed("cancelled push", push_id, "The push is cancelled; nothing was sent.")

    return _change_push(push_id, cancel)


@bp.post("/pushes/<push_id>/confirm-version")
@access("editor")
def confirm_version(push_id: str):
    """Approve the issue's changed version for a waiting or held schedule, after the review."""

    def confirm() -> _Changed:
        version = _reviewed_version()
        pushing.confirm_version(get_redis(), push_id, version)
        return _Changed(
            "confirmed changed issue",
            f"{push_id}: issue version {version}",
            f"Version {version} is confirmed; the push waits for its time again.",
        )

    return _change_push(push_id, confirm)


@bp.post("/pushes/<push_id>/reschedule")
@access("editor")
def reschedule_push(push_id: str):
    def reschedule() -> _Changed:
        at = _new_time()
        pushing.reschedule(get_redis(), push_id, at)
        return _Changed(
            "rescheduled push",
            f"{push_id} to {at:%Y-%m-%d %H:%M}",
            f"The push now goes at {at:%Y-%m-%d %H:%M} {zone_label()}.",
        )

    return _change_push(push_id, reschedule)


@bp.post("/pushes/<push_id>/send-now")
@access("editor")
def send_now(push_id: str):
    """A waiting schedule fires now (beat starts it within seconds)."""

    def start() -> _Changed:
        pushing.reschedule(get_redis(), push_id, datetime.now(_tz()))
        return _Changed("sent push now", push_id, "The push starts now.")

    return _change_push(push_id, start)


@bp.post("/pushes/<push_id>/schedule-again")
@access("editor")
def schedule_again(push_id: str):
    """A cancelled push scheduled again at a new time (a new schedule, same options)."""

    def again() -> _Changed:
        at = _new_time()
        new_id = pushing.schedule_again(get_redis(), push_id, at, g.staff.name)
        return _Changed(
            "rescheduled cancelled push",
            f"{push_id} as {new_id} at {at:%Y-%m-%d %H:%M}",
            f"Scheduled again for {at:%Y-%m-%d %H:%M} {zone_label()} ({new_id}).",
            new_id,
        )

    return _change_push(push_id, again)
