"""What staff can do with pushes, as plain functions (the CLI and the console call these).

Each function takes the Redis client first and runs inside an app context (for the settings, the
WeChat client and the Celery app); refusals raise PushError with one line for staff.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import redis
from flask import current_app

from bot.clock import people_time
from bot.publishing import cleanup, content, pipeline, quota, schedule, sends, state
from bot.publishing.state import PushError
from bot.publishing.status import PushStatus, ScheduleStatus
from bot.wechat import WeChatAPIError, get_client
from config import Settings

log = logging.getLogger(__name__)

ADVANCE_TASK = "publishing.advance"
# A time given for "now" may lie this many seconds in the past (typing takes time).
PAST_SLACK = 60


def _people_time(at: datetime) -> str:
    return people_time(at, _settings().tz, seconds=False)


def _settings() -> Settings:
    return current_app.extensions["settings"]


def _enqueue(push_id: str, countdown: float = 0) -> None:
    from bot.jobs import enqueue

    enqueue(ADVANCE_TASK, push_id, countdown=countdown)


def clientmsgid(number: int, tag_id: int | None) -> str:
    """The mass-send id of an issue's first send to an audience (later ones are numbered)."""
    return sends.base_clientmsgid(number, tag_id)


def scheduled_sends(r: redis.Redis) -> list[tuple[float, bool]]:
    """(due time, to all followers) of each waiting schedule that broadcasts."""
    return [
        (s["at"], s["options"].get("tag_id") in (None, ""))
        for s in schedule.list_all(r)
        if s["options"].get("broadcast")
    ]


def resolve_tag(tag: str | int | None) -> int | None:
    """A tag id from an id or a tag name (looked up at WeChat); None for all followers."""
    if tag in (None, ""):
        return None
    if isinstance(tag, int) or str(tag).isdigit():
        return int(tag)
    for item in get_client().tag.get():
        if item.get("name") == tag:
            return int(item["id"])
    raise PushError(f"there is no follower tag named {tag!r}")


def start_push(
    r: redis.Redis,
    number: int,
    publish: bool = False,
    broadcast: bool = False,
    tag: str | int | None = None,
    preview_to: list[str] | None = None,
    at: datetime | None = None,
    by: str = "",
    dry_run: bool = False,
    version: int | None = None,
    again: bool = False,
) -> dict:
    """Push issue `number` now or at `at` (draft, previews, then publish and/or broadcast).

    The push is frozen to `version`, the issue version staff reviewed (default: the current
    one); it is refused when the issue has changed since. A broadcast of an issue already sent
    to the same audience is refused unless `again`.
    """
    settings = _settings()
    if preview_to is None:
        preview_to = list(settings.STAFF_OPENIDS)
    tag_id = resolve_tag(tag) if broadcast else None
    if broadcast:
        sends.refuse_repeat(r, number, tag_id, again)
    if dry_run:
        return plan(r, number, publish, broadcast, tag_id, preview_to, at)
    _require_issue(r, number)
    current = schedule.current_version(r, number)
    if version is not None and version != current:
        raise PushError(
            f"issue {number} changed since you reviewed it (version {version}, now {current}); "
            "look at it again"
        )
    when = at or datetime.now(UTC)
    if at is not None and at.timestamp() < time.time() - PAST_SLACK:
        raise PushError(f"{_people_time(at)} has passed; choose a later time")
    if broadcast:
        left = quota.quota_at(r, settings, when, scheduled_sends(r), tag_id is None)
        if left.remaining == 0:
            raise PushError(f"no mass-send quota for that time: {left.describe()}")
    options = {
        "publish": publish,
        "broadcast": broadcast,
        "tag_id": tag_id,
        "preview_to": preview_to,
        "version": current,
        "again": bool(again and broadcast),
    }
    if at is not None:
        sched = schedule.create(r, number, at, options, by)
        return {"id": sched["id"], "kind": "schedule", "at": at.isoformat()}
    push_id = f"p{r.incr('push:seq')}"
    create_push(r, push_id, number, options, by)
    return {"id": push_id, "kind": "push"}


def create_push(r: redis.Redis, push_id: str, number: int, options: dict, by: str) -> None:
    """Record a pending push (unless one with this id exists) and hand it to a worker."""
    running = active_push(r, number)
    if running and running != push_id:
        raise PushError(f"push {running} of issue {number} is still running; wait for it")
    values = {
        "number": number,
        "publish": bool(options.get("publish")),
        "broadcast": bool(options.get("broadcast")),
        "tag_id": options.get("tag_id"),
        "preview_to": list(options.get("preview_to") or []),
        "again": bool(options.get("again")),
        "by": by,
    }
    if options.get("version") is not None:
        values["version"] = int(options["version"])
    state.create(r, push_id, values)
    _enqueue(push_id)


def active_push(r: redis.Redis, number: int) -> str | None:
    """The id of the issue's newest push if it has not finished yet."""
    push_id = r.get(f"push:issue:{number}")
    push = state.load(r, push_id) if push_id else None
    return push_id if push and push.state not in state.TERMINAL else None


def _require_issue(r: redis.Redis, number: int) -> None:
    from bot.newsletter import store

    if store.get_issue(r, number) is None:
        raise PushError(f"there is no issue {number} (import it with mmsp-bot ingest)")


def plan(r, number, publish, broadcast, tag_id, preview_to, at) -> dict:
    """What a push would do, checked against the content (pre-flight) without calling WeChat."""
    try:
        articles = content.load_articles(r, number, _settings())
    except content.ContentError as exc:
        raise PushError(str(exc)) from None
    steps = [f"upload {len(articles)} covers (image material) and the article images", "draft/add"]
    steps += [f"preview to {o}" for o in preview_to]
    if broadcast:
        # The mass send publishes the draft too: no freepublish, one public copy.
        audience = sends.audience_text(tag_id)
        steps.append(f"mass send to {audience}, which also publishes it")
    elif publish:
        steps.append("freepublish/submit (no notification to followers)")
    return {
        "kind": "dry-run",
        "number": number,
        "at": at.isoformat() if at else "now",
        "articles": [a.title for a in articles],
        "steps": steps,
    }


def preview(r: redis.Redis, number: int, openid: str, by: str = "") -> str:
    """Draft the issue and preview it on one follower's phone; returns the push id."""
    return start_push(r, number, preview_to=[openid], by=by)["id"]


def confirm_version(r: redis.Redis, ref: str, version: int) -> None:
    """Approve the issue's `version` for a schedule that waits or is held because it changed."""
    if not ref.startswith("s"):
        raise PushError(f"{ref} is not a schedule id (like s3)")
    schedule.confirm_version(r, ref, version)


def cancel(r: redis.Redis, ref: str) -> None:
    """Cancel a schedule that has not fired yet."""
    if not ref.startswith("s"):
        raise PushError(f"{ref} is not a schedule id (like s3); a running push cannot be stopped")
    schedule.cancel(r, ref)


def reschedule(r: redis.Redis, ref: str, at: datetime) -> None:
    """Move a schedule that has not fired yet to `at`."""
    if at.timestamp() < time.time() - PAST_SLACK:
        raise PushError(f"{_people_time(at)} has passed; choose a later time")
    schedule.reschedule(r, ref, at)


def list_schedules(r: redis.Redis, include_finished: bool = False) -> list[ScheduleStatus]:
    """Schedules by due time (without their pushes): those waiting, or all."""
    return [ScheduleStatus.from_schedule(s, None) for s in schedule.list_all(r, include_finished)]


def list_pushes(r: redis.Redis, limit: int = 50) -> list[PushStatus]:
    """The newest pushes first."""
    found = (push_status(r, pid) for pid in r.zrevrange("push:all", 0, limit - 1))
    return [push for push in found if push is not None]


def push_status(r: redis.Redis, push_id: str) -> PushStatus | None:
    """One push by id (p3), None when there is none."""
    push = state.load(r, push_id) if push_id else None
    if push is None:
        return None
    return PushStatus.from_push(push, content.published_articles(r, push.number))


def status(r: redis.Redis, ref: str | int) -> PushStatus | ScheduleStatus | None:
    """A push by id (p3), a schedule by id (s2) or the newest push of an issue (9)."""
    ref = str(ref)
    if ref.startswith("s"):
        sched = schedule.get(r, ref)
        if sched is None:
            return None
        fired = push_status(r, sched["push_id"]) if sched.get("push_id") else None
        return ScheduleStatus.from_schedule(sched, fired)
    if ref.isdigit():
        ref = r.get(f"push:issue:{ref}") or ""
    return push_status(r, ref)


def status_record(r: redis.Redis, ref: str | int) -> dict | None:
    """The status as `mmsp-bot status --json` prints it, times in TIMEZONE."""
    found = status(r, ref)
    return found.as_json(_settings().tz) if found else None


def latest_state(r: redis.Redis, number: int) -> str:
    """The state of the issue's newest push, or "" when it has none."""
    push_id = r.get(f"push:issue:{number}")
    return (r.hget(state.push_key(push_id), "state") or "") if push_id else ""


def quota_now(r: redis.Redis, at: datetime | None = None) -> dict:
    """The mass-send quota of the period holding `at` (default now), with the next free slot."""
    left = quota.quota_at(r, _settings(), at or datetime.now(UTC), scheduled_sends(r))
    return {
        "remaining": left.remaining,
        "limit": left.limit,
        "period": left.period,
        "next_free": left.next_free.isoformat() if left.next_free else None,
        "text": left.describe(),
    }


def tags() -> list[dict]:
    """The account's follower tags (id, name, count), read from WeChat."""
    try:
        return get_client().tag.get()
    except WeChatAPIError as exc:
        raise PushError(f"cannot read the tags: {exc.hint}") from None


def published_articles(r: redis.Redis, number: int) -> list[dict]:
    """Title, digest, url and cover_url of each published article of issue `number`."""
    return content.published_articles(r, number)


# ---- what the workers and beat run -----------------------------------------------------------


def run(push_id: str) -> pipeline.Outcome:
    """Advance one push as far as it goes now (the body of the publishing.advance task)."""
    from bot.redisdb import get_redis

    env = pipeline.Env(get_redis(), get_client(), _settings())
    return pipeline.advance(env, push_id)


def tick(now: float | None = None) -> dict:
    """Fire due schedules and hand stalled or waiting pushes back to workers (beat, every 2 s)."""
    from bot.redisdb import get_redis

    r = get_redis()
    now = time.time() if now is None else now

    def fire(sched: dict, push_id: str) -> None:
        create_push(r, push_id, sched["number"], sched["options"], f"schedule {sched['id']}")

    fired = schedule.dispatch_due(r, fire, _settings().SCHEDULE_GRACE, now)
    cleanup.delete_due(r, get_client(), now)
    resumed = []
    for push_id in r.zrangebyscore("push:active", 0, now):
        r.zadd("push:active", {push_id: now + state.LEASE_SECONDS}, xx=True)
        _enqueue(push_id)
        resumed.append(push_id)
    return {"schedules": fired, "pushes": resumed}
