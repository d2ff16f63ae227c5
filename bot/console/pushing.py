"""The console's view of pushes, through the publishing part's functions (bot/publishing.api).

Pushes have ids like p3 and schedules like s2; the console shows both by the same page, and this
module turns what the publishing part records into what the status page shows.
"""

from __future__ import annotations

from datetime import datetime

import redis
from flask import current_app

from bot.clock import people_time
from bot.publishing import api as publishing
from bot.publishing.schedule import current_version
from bot.publishing.state import PushError
from bot.publishing.status import Failure, MassCounts, PushOptions, PushStatus, ScheduleStatus

# A push or schedule in one of these states changes no more: the status page stops refreshing.
FINAL = {"done", "failed", "cancelled", "missed"}
# What staff see for a push that ended: what it did (a preview is no publication).
OUTCOMES = ("previewed", "scheduled", "published", "broadcast", "failed", "cancelled")


class PushRefused(ValueError):
    """A push cannot be made or changed as asked; the message is one line for staff."""


def _refusing(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except PushError as exc:
        raise PushRefused(str(exc)) from None


def latest_state(r: redis.Redis, number: int) -> str:
    """The state of the newest push of an issue, or "" when it has none."""
    return publishing.latest_state(r, number)


def publications(r: redis.Redis, limit: int = 200) -> dict[int, dict]:
    """Per issue, the time of its last publication and of its last broadcast (previews apart),
    in TIMEZONE, from the newest `limit` pushes."""
    found: dict[int, dict] = {}
    for push in publishing.list_pushes(r, limit):
        if push.state != "done":
            continue
        seen = found.setdefault(push.number, {})
        for step in ("published", "broadcast"):
            at = push.at(step)
            if at is not None and step not in seen:
                seen[step] = _local(at)
                # The newest version followers can read (older pushes recorded none).
                seen.setdefault("version", push.options.version)
        if push.outcome == "previewed":
            seen.setdefault("previewed", _local(push.at("done")))
    return found


def quota(r: redis.Redis, at: datetime | None = None) -> dict:
    """The mass-send quota of the period holding `at` (default now) and the next free slot (in
    TIMEZONE), as a sentence too."""
    figures = publishing.quota_now(r, at)
    if figures.get("next_free"):
        figures["next_free"] = people_time(datetime.fromisoformat(figures["next_free"]), _tz())
    return figures


def tags() -> list[dict]:
    """The account's follower tags, or [] when WeChat cannot tell now (a tag id is typed then)."""
    try:
        return publishing.tags()
    except Exception:  # the form still works with a typed tag id
        return []


def audience(tag: str) -> dict:
    """Who a broadcast reaches, in numbers from WeChat (`user/get`, `tags/get`): a label, the
    count (None when WeChat did not say) and a warning when nobody would get it."""
    from bot.wechat import get_client

    try:
        if not tag:
            count = int(get_client().user.get_followers()["total"])
            label = f"all {count} follower{'' if count == 1 else 's'}"
            return {"label": label, "count": count, "warning": _none(count)}
        tags = publishing.tags()
        found = next((t for t in tags if tag in (str(t.get("id")), t.get("name"))), None)
    except Exception as exc:  # the page still shows; the numbers are what is missing
        who = "all followers" if not tag else f"followers with tag {tag}"
        return {"label": who, "count": None, "warning": f"WeChat did not say how many ({exc})."}
    if found is None:
        return {"label": f"tag {tag}", "count": None, "warning": f"The account has no tag {tag}."}
    count = int(found.get("count") or 0)
    label = f"the {count} follower{'' if count == 1 else 's'} with tag “{found['name']}”"
    return {"label": label, "count": count, "warning": _none(count)}


def _none(count: int) -> str:
    if count:
        return ""
    return "Nobody would receive it: the audience has no followers (a send still uses the quota)."


def schedule(
    r: redis.Redis,
    number: int,
    publish: bool,
    broadcast: bool,
    tag: str,
    at: datetime | None,
    by: str,
    version: int | None = None,
    again: bool = False,
) -> str:
    """Push an issue (frozen to `version`, the one reviewed) now or at `at`; the id of the push
    (pN) or schedule (sN). `again` repeats a broadcast the issue already had to that audience."""
    started = _refusing(
        publishing.start_push,
        r,
        number,
        publish=publish,
        broadcast=broadcast,
        tag=tag or None,
        at=at,
        by=by,
        version=version,
        again=again,
    )
    return started["id"]


def confirm_version(r: redis.Redis, ref: str, version: int) -> None:
    """Approve the issue's reviewed `version` for a waiting or held schedule."""
    _refusing(publishing.confirm_version, r, ref, version)


def send_preview(
    r: redis.Redis, number: int, openid: str, by: str, at: datetime | None = None
) -> str:
    """Draft the issue and preview it on the staff member's phone, now or at `at`; the id."""
    if at is None:
        return _refusing(publishing.preview, r, number, openid, by=by)
    started = _refusing(publishing.start_push, r, number, preview_to=[openid], at=at, by=by)
    return started["id"]


def cancel(r: redis.Redis, ref: str) -> None:
    _refusing(publishing.cancel, r, ref)


def reschedule(r: redis.Redis, ref: str, at: datetime) -> None:
    _refusing(publishing.reschedule, r, ref, at)


def schedule_again(r: redis.Redis, ref: str, at: datetime, by: str) -> str:
    """A cancelled schedule made again for `at`, as a new schedule with the same options and
    the issue version it was confirmed with (refused when the issue changed since)."""
    sched = publishing.status(r, ref) if ref.startswith("s") else None
    if not isinstance(sched, ScheduleStatus) or sched.state != "cancelled":
        raise PushRefused(f"{ref} is not a cancelled push")
    options = sched.options
    started = _refusing(
        publishing.start_push,
        r,
        sched.number,
        publish=options.publish,
        broadcast=options.broadcast,
        tag=options.tag_id,
        preview_to=list(options.preview_to),
        at=at,
        by=by,
        version=options.version,
        again=options.again,
    )
    return started["id"]


def _tz():
    return current_app.extensions["settings"].tz


def _local(moment: datetime | None) -> str:
    return people_time(moment, _tz()) if moment is not None else ""


def stale_publication(r: redis.Redis, number: int, current: int) -> dict | None:
    """When followers read an older version than the current one: which, since when."""
    seen = publications(r).get(number) or {}
    version = seen.get("version")
    if version in (None, "") or int(version) == current:
        return None
    when = seen.get("broadcast") or seen.get("published")
    return {"version": int(version), "at": when, "broadcast": bool(seen.get("broadcast"))}


def _what(options: PushOptions, names: dict[str, str] | None = None) -> str:
    """What a push does, in words; preview recipients by name when `names` knows them."""
    parts = []
    if options.publish:
        parts.append("publish")
    if options.broadcast:
        tag = options.tag_id
        parts.append("broadcast to " + ("all followers" if tag is None else f"tag {tag}"))
    if not parts and options.preview_to:
        names = names or {}
        parts.append("preview to " + ", ".join(names.get(o, o) for o in options.preview_to))
    return " and ".join(parts) or "draft only"


def recipient_names(r: redis.Redis, openids) -> dict[str, str]:
    """Openid -> the name staff know them by, for these openids: a staff member's bound
    WeChat, else the follower's name (their remark in WeChat). Reads only the names asked for,
    whatever the number of followers."""
    from bot.console import accounts
    from bot.followers import directory

    wanted = sorted(set(openids))
    if not wanted:
        return {}
    found = r.hmget(directory.NAMES_KEY, wanted)
    names = {openid: name for openid, name in zip(wanted, found, strict=True) if name}
    for member in accounts.list_staff(r):
        if member.openid:
            names[member.openid] = member.name
    return names


def status(r: redis.Redis, ref: str) -> dict | None:
    """What the status page shows of a push or schedule: state, steps, error, URLs, counts."""
    found = publishing.status(r, ref) if ref[:1] in ("p", "s") else None
    if found is None:
        return None
    sched = found if isinstance(found, ScheduleStatus) else None
    push = found.push if sched else found
    steps = [{"state": "scheduled", "at": _local(sched.created_at)}] if sched else []
    steps += [{"state": step.state, "at": _local(step.at)} for step in push.steps] if push else []
    state = push.state if push else sched.state
    options = sched.options if sched else push.options
    waiting = bool(sched) and sched.state in ("scheduled", "held")
    # The version it was confirmed with against the current one (a held schedule, or
    # one that will be held when it comes due, unless a publisher confirms again first).
    current = current_version(r, sched.number) if waiting else None
    changed = waiting and options.version is not None and current != options.version
    counts = push.counts if push else MassCounts()
    return {
        "id": ref,
        "number": push.number if push else sched.number,
        "state": push.outcome if push else state,
        "what": _what(options, recipient_names(r, options.preview_to)),
        "recipients": list(options.preview_to),
        "when": _local(sched.at) if sched else "",
        "when_input": _local(sched.at).replace(" ", "T") if sched else "",
        "by": (sched.by if sched else "") or (push.by if push else ""),
        "running": state not in FINAL,
        "changeable": bool(sched) and sched.state == "scheduled",
        "cancelled": bool(sched) and sched.state == "cancelled",
        "options": options,
        "held": bool(sched) and sched.state == "held",
        "version": options.version,
        "current_version": current,
        "changed": changed,
        # Publishing or broadcasting reaches followers: only a publisher may change such a push.
        "reaches_followers": options.reaches_followers,
        "steps": steps,
        "error": _error(state, push, sched),
        # While WeChat may hold a send to all for an administrator, and what is unknown after.
        "waiting": push.waiting_note(_tz()) if push else "",
        "note": push.note if push else "",
        "articles": _articles(push) if push else [],
        "sent": counts.sent,
        "failed": counts.errors or 0,
        "total": counts.total,
    }


def _error(state: str, push: PushStatus | None, sched: ScheduleStatus | None) -> dict | None:
    """Where it failed and what to do: a push that failed, a schedule whose push could not be
    made or one that was missed (the schedule's note says why)."""
    note = sched.note if sched else ""
    if state == "failed":
        failure = (push.failure if push else None) or Failure("", "", "", "")
        return {
            "step": failure.step,
            "errcode": failure.errcode,
            "errmsg": failure.errmsg or note,
            "hint": failure.hint,
        }
    if sched and sched.state == "missed":
        return {"step": "schedule", "errcode": "", "errmsg": note, "hint": ""}
    return None


def _articles(push: PushStatus) -> list[dict]:
    """The issue's published articles, else the bare URLs the push recorded."""
    articles = [a for a in push.published if a.get("url")]
    return articles or [{"title": "", "url": url} for url in push.article_urls]


def list_pushes(
    r: redis.Redis, limit: int = 50, number: int | None = None, state: str = ""
) -> list[dict]:
    """Schedules and pushes as table rows, the newest first; filtered by issue and by state."""
    rows = []
    for sched in publishing.list_schedules(r, include_finished=True)[-limit:]:
        # A fired schedule shows as the push it started.
        if sched.state == "fired":
            continue
        rows.append(
            {
                "id": sched.id,
                "number": sched.number,
                "options": sched.options,
                "when": people_time(sched.at, _tz(), seconds=False),
                "state": sched.state,
                "by": sched.by,
                "created": sched.created_at.timestamp() if sched.created_at else 0,
            }
        )
    for push in publishing.list_pushes(r, limit):
        ref, by = push.id, push.by
        if by.startswith("schedule s"):
            # A push a schedule started: show who scheduled it, and the page with both.
            ref = by.split()[1]
            sched = publishing.status(r, ref)
            by = (sched.by if isinstance(sched, ScheduleStatus) else "") or by
        started = push.at("pending")
        rows.append(
            {
                "id": ref,
                "number": push.number,
                "options": push.options,
                "when": _local(started),
                "state": push.outcome,
                "by": by,
                "created": started.timestamp() if started else 0.0,
            }
        )
    rows.sort(key=lambda row: row["created"], reverse=True)
    rows = [
        row
        for row in rows
        if (number is None or int(row["number"]) == number) and (not state or row["state"] == state)
    ]
    names = recipient_names(r, [o for row in rows for o in row["options"].preview_to])
    for row in rows:
        options = row.pop("options")
        row["recipients"] = list(options.preview_to)
        row["what"] = _what(options, names)
    return rows
