"""The push of one issue, step by step; each step records its result before the next one starts.

`advance(env, push_id)` runs the push from its recorded state as far as it can go now: it returns
when the push is done or failed, when it waits for WeChat (a publish or mass-send job), or at once
when another runner holds the push. Every WeChat side effect is preceded by a recorded intent, so
that a runner killed mid-call is followed by one that asks WeChat what happened instead of
repeating it (draft/add, freepublish/submit) or repeats it harmlessly (clientmsgid of sendall).

One public copy: since WeChat merged mass sending and publishing, a mass-sent draft becomes a
public article itself. A push that broadcasts (with or without "publish") mass-sends its draft
and takes the URLs from the send; only a push that publishes without broadcasting freepublishes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

import redis

from bot.publishing import cleanup, content, outcomes, quota, sends, state
from bot.publishing.job_events import EVENT_TTL, mass_event_key, publish_event_key
from bot.publishing.reconcile import find_draft, find_publication
from bot.publishing.state import TERMINAL, Lease, LeaseLost, Push, PushError
from bot.publishing.uploads import forget_covers, upload_body_images, upload_covers
from bot.wechat import ALREADY_SENT, BotWeChatClient, WeChatAPIError
from bot.wechat.retry import with_retries
from config import Settings

log = logging.getLogger(__name__)

RETRY_ATTEMPTS = 6
RETRY_BASE = 0.3
RETRY_CAP = 10.0
# How long a runner waits for a publish or mass-send job before handing the push back (it is
# picked up again by the next dispatch), and when it polls WeChat in that time if no event came.
WAIT_IN_TASK = 15.0
POLL_AT = (3.0, 8.0, 14.0)
# A publish or mass-send job with no result after this long fails the push (staff look at the
# MP console) instead of being followed for ever.
JOB_PATIENCE = 6 * 3600
# After a submit whose answer was lost, how long WeChat gets to show the publication before the
# draft is submitted again (only if WeChat still has the draft in the box).
PUBLISH_SETTLE = 20.0
# WeChat fails a send to all followers that an administrator has not confirmed in this time,
# when the account has API mass-send protection on.
CONFIRM_WINDOW = 30 * 60
# After mass/get reports success, how long the encrypted MASSSENDJOBFINISH (the only source of
# the articles' URLs) may take to arrive before the push ends without URLs.
URL_EVENT_GRACE = 5.0
PUBLISH_STATUS = {
    1: "still publishing",
    2: "the originality check failed",
    3: "publishing failed",
    4: "the platform review rejected it",
    5: "all its articles were deleted by the account after publishing",
    6: "all its articles were banned by the system after publishing",
}


@dataclass
class Env:
    """What a runner needs: Redis, the WeChat client and the settings."""

    redis: redis.Redis
    client: BotWeChatClient
    settings: Settings


@dataclass
class Outcome:
    """Where a run stopped: done, failed, wait (come back in `delay` s) or busy (another runner)."""

    kind: str
    delay: float = 0.0


class _Wait(Exception):
    def __init__(self, delay: float):
        self.delay = delay


class _Fail(Exception):
    def __init__(self, step: str, errcode, errmsg: str, hint: str):
        self.step, self.errcode, self.errmsg, self.hint = step, errcode, errmsg, hint


def advance(env: Env, push_id: str) -> Outcome:
    """Run the push from its recorded state as far as it goes now (see the module docstring)."""
    push = state.load(env.redis, push_id)
    if push is None:
        raise state.PushError(f"no push {push_id}")
    if push.state in TERMINAL:
        return Outcome(push.state)
    lease = Lease(env.redis, push_id)
    if not lease.acquire():
        return Outcome("busy", state.LEASE_SECONDS)
    try:
        push = state.load(env.redis, push_id)  # re-read under the lease
        return _run(env, push, lease)
    except LeaseLost:
        log.warning("push %s: stopped, another runner took it over", push_id)
        return Outcome("busy", state.LEASE_SECONDS)
    finally:
        lease.release()


def _run(env: Env, push: Push, lease: Lease) -> Outcome:
    steps = {
        "pending": _make_draft,
        "drafted": _preview,
        "previewed": _after_preview,
        "publishing": _follow_publish,
        "published": lambda env, push, lease: lease.move(push, "done"),
        "broadcast": _follow_mass,
    }
    while push.state not in TERMINAL:
        step = steps[push.state]
        try:
            step(env, push, lease)
        except _Wait as wait:
            env.redis.zadd("push:active", {push.id: time.time() + wait.delay})
            return Outcome("wait", wait.delay)
        except _Fail as fail:
            _fail(env, push, lease, fail.step, fail.errcode, fail.errmsg, fail.hint)
        except content.ContentError as exc:
            hint = "Fix the issue's content and push again."
            _fail(env, push, lease, "preflight", "", str(exc), hint)
        except PushError as exc:
            hint = "Push with --again to send it once more (publishers, in the console)."
            _fail(env, push, lease, _step_name(push), "refused", str(exc), hint)
        except ValueError as exc:
            # Content that cannot be sent as it is (an unreadable image, an issue re-imported
            # with another number of articles mid-push): retrying would not change it.
            hint = "Check the issue's content and images, then push again."
            _fail(env, push, lease, _step_name(push), "", str(exc)[:300], hint)
        except WeChatAPIError as exc:
            step = _step_name(push)
            hint = outcomes.push_hint(exc.errcode, step, exc.api or "")
            _fail(env, push, lease, step, exc.errcode, exc.errmsg, hint, exc.api)
    return Outcome(push.state)


def _step_name(push: Push) -> str:
    """The step a push in this state is doing (what a failure is reported against)."""
    if push.state == "previewed":
        return "broadcast" if push.broadcast else "publish"
    return {"pending": "draft", "drafted": "preview", "publishing": "publish"}.get(
        push.state, "broadcast"
    )


def _fail(env, push, lease, step, errcode, errmsg, hint, api="") -> None:
    log.error("push %s: %s failed: errcode %s %s", push.id, step, errcode, errmsg)
    values = {"errcode": errcode, "errmsg": errmsg, "hint": hint, "failed_step": step, "api": api}
    lease.move(push, "failed", values)
    if push.get("draft_media_id"):
        # Nothing needs a failed push's draft (one WeChat took is gone already).
        cleanup.delete_now(env.redis, env.client, push["draft_media_id"], push.id)


def _call(fn, what: str, on_network=None):
    """Call WeChat with the pipeline's retry bounds (see bot.wechat.retry.with_retries)."""
    return with_retries(fn, RETRY_ATTEMPTS, RETRY_BASE, RETRY_CAP, what, on_network)


# ---- draft -----------------------------------------------------------------------------------


def _make_draft(env: Env, push: Push, lease: Lease) -> None:
    media_id, meta = _add_draft(env, push, lease)
    lease.move(push, "drafted", {"draft_media_id": media_id, "articles_meta": meta})


def _upload(env: Env, push: Push, lease: Lease, articles) -> None:
    cache_args = (env.redis, env.client, _call)
    if not push.get("covers"):
        covers = upload_covers(*cache_args, articles)
        lease.record(push, {"covers": covers})
    if not push.get("images"):
        images = upload_body_images(*cache_args, articles)
        lease.record(push, {"images": images})


def _add_draft(env: Env, push: Push, lease: Lease) -> tuple[str, list[dict]]:
    """Upload covers and images (once), then add the draft once: its intent is recorded first,
    and a runner that finds an intent without a result looks for the draft it added. A cover
    WeChat no longer knows (40007) is uploaded again, once."""
    # The version staff confirmed, whatever was edited since (older pushes carry none).
    articles = content.load_articles(env.redis, push.number, env.settings, push.get("version"))
    _upload(env, push, lease, articles)
    try:
        return _add_draft_once(env, push, lease, articles)
    except WeChatAPIError as exc:
        if exc.errcode != 40007 or push.get("reuploaded"):
            raise
    log.warning("push %s: WeChat no longer knows a cover; uploading the covers again", push.id)
    forget_covers(env.redis, env.client, push["covers"])
    lease.record(push, {"covers": [], "reuploaded": True, "draft_intent_at": ""})
    _upload(env, push, lease, articles)
    return _add_draft_once(env, push, lease, articles)


def _add_draft_once(env: Env, push: Push, lease: Lease, articles) -> tuple[str, list[dict]]:
    covers = push["covers"]
    payload = content.draft_articles(articles, covers, push.get("images", {}))
    titles = [a["title"] for a in payload]
    meta = [
        {"title": a.title, "digest": a.digest, "cover_url": c.get("url", "")}
        for a, c in zip(articles, covers, strict=True)
    ]
    intent = "draft_intent_at"

    def lookup():
        since = float(push.get(intent, 0))
        return _call(lambda: find_draft(env.client, env.redis, titles, since), "draft/batchget")

    found = lookup() if push.get(intent) else ""
    if found:
        log.info("push %s: the lost draft/add did land: %s", push.id, found)
    else:
        lease.record(push, {intent: time.time()})

        def after_network_error():
            # The draft may exist although its answer was lost: look before adding another.
            media_id = lookup()
            return {"media_id": media_id} if media_id else None

        add = lambda: env.client.draft.add(payload)  # noqa: E731
        found = _call(add, f"push {push.id} draft/add", after_network_error)["media_id"]
    env.redis.sadd("push:known:drafts", found)
    return found, meta


# ---- preview ---------------------------------------------------------------------------------


def _preview(env: Env, push: Push, lease: Lease) -> None:
    done = list(push.get("preview_done", []))
    for openid in push.get("preview_to", []):
        if openid in done:
            continue
        media_id = push["draft_media_id"]
        _call(lambda o=openid, m=media_id: env.client.mass.preview(o, m), f"push {push.id} preview")
        done.append(openid)
        lease.record(push, {"preview_done": done})
    lease.move(push, "previewed", {"preview_done": done})


def _after_preview(env: Env, push: Push, lease: Lease) -> None:
    if push.broadcast:
        # The mass send publishes too: freepublishing as well would make a second public copy.
        _sendall(env, push, lease)
    elif push.publish:
        _submit_publish(env, push, lease)
    else:
        lease.move(push, "done")
        # A draft made only for previews: kept while the previews may still be opened.
        cleanup.delete_later(env.redis, push["draft_media_id"], cleanup.PREVIEW_KEEP)


# ---- publish ---------------------------------------------------------------------------------


def _titles(push: Push) -> list[str]:
    return [a["title"] for a in push["articles_meta"]]


def _submit_publish(env: Env, push: Push, lease: Lease) -> None:
    intent = float(push.get("publish_intent_at", 0))
    if intent:
        found = _call(
            lambda: find_publication(env.client, env.redis, _titles(push), intent),
            f"push {push.id} lookup",
        )
        if found:
            log.info("push %s: the lost freepublish/submit did publish: %s", push.id, found[0])
            return _published(env, push, lease, found[0], found[1])
        waited = time.time() - intent
        if waited < PUBLISH_SETTLE:
            raise _Wait(PUBLISH_SETTLE - waited)
        if not _draft_exists(env, push["draft_media_id"]):
            # WeChat took the draft: the lost submit is publishing (or failed); never resubmit.
            if waited > JOB_PATIENCE:
                raise _Fail(
                    "publish",
                    "no result",
                    "the draft was taken for publishing but no publication appeared",
                    "Look in the MP console's publication records before pushing again.",
                )
            raise _Wait(30.0)
    lease.record(push, {"publish_intent_at": time.time()})

    def after_network_error():
        # The submit may have reached WeChat: look for the publication after it settles.
        raise _Wait(PUBLISH_SETTLE)

    result = _call(
        lambda: env.client.freepublish.submit(push["draft_media_id"]),
        f"push {push.id} freepublish/submit",
        after_network_error,
    )
    publish_id = str(result["publish_id"])
    env.redis.set(f"push:by_publish:{publish_id}", push.id, ex=EVENT_TTL)
    lease.move(
        push,
        "publishing",
        {"publish_id": publish_id, "publish_msg_data_id": result.get("msg_data_id", "")},
    )


def _draft_exists(env: Env, media_id: str) -> bool:
    try:
        _call(lambda: env.client.draft.get(media_id), "draft/get")
    except WeChatAPIError as exc:
        if exc.errcode == 40007:
            return False
        raise
    return True


def _give_up_if_stale(push: Push, step: str) -> None:
    started = datetime.fromisoformat(push["times"][push.state]).timestamp()
    if time.time() - started > JOB_PATIENCE:
        raise _Fail(
            step,
            "no result",
            f"WeChat gave no result in {JOB_PATIENCE // 3600} hours",
            "Look up the job in the MP console; push again only if it did not go out.",
        )


def _follow_publish(env: Env, push: Push, lease: Lease) -> None:
    """Wait for the publish job; its outcome and URLs come from freepublish/get only (the
    PUBLISHJOBFINISH event just says when to ask)."""
    _give_up_if_stale(push, "publish")
    publish_id = str(push["publish_id"])
    started = time.monotonic()
    polls = list(POLL_AT)
    woken = False
    while True:
        event_came = not woken and env.redis.exists(publish_event_key(publish_id))
        due = polls and time.monotonic() - started >= polls[0]
        if not (event_came or due):
            if time.monotonic() - started > WAIT_IN_TASK:
                raise _Wait(10.0)
            time.sleep(0.25)
            continue
        if event_came:
            woken = True
        elif polls:
            polls.pop(0)
        res = _call(lambda: env.client.freepublish.get(publish_id), f"push {push.id} poll")
        status = int(res.get("publish_status", 1))
        if status == 0:
            items = (res.get("article_detail") or {}).get("item") or []
            urls = [i.get("article_url", "") for i in sorted(items, key=lambda i: int(i["idx"]))]
            return _published(env, push, lease, res.get("article_id", ""), urls)
        if status != 1:
            meaning = PUBLISH_STATUS.get(status, f"publish_status {status}")
            raise _Fail(
                "publish",
                f"publish_status {status}",
                meaning,
                "Open the publication records in the MP console to see why, fix, push again.",
            )


def _published(env: Env, push: Push, lease: Lease, article_id: str, urls: list[str]) -> None:
    env.redis.sadd("push:known:articles", article_id)
    lease.move(push, "published", {"article_id": article_id, "article_urls": urls})
    content.store_published(env.redis, push, urls)


# ---- broadcast -------------------------------------------------------------------------------


def _sendall(env: Env, push: Push, lease: Lease) -> None:
    send = sends.claim(env.redis, push.id, push.number, push.tag_id, push.again)
    clientmsgid = send["clientmsgid"]
    intent = {"mass_intent_at": time.time(), "clientmsgid": clientmsgid, "send_claimed": True}
    lease.record(push, intent)
    media_id = push["draft_media_id"]
    already = False
    try:
        result = _call(
            lambda: env.client.mass.sendall(media_id, push.tag_id, clientmsgid),
            f"push {push.id} sendall",
        )
    except WeChatAPIError as exc:
        if exc.errcode not in (None, ALREADY_SENT, 45066):
            # WeChat refused the send: it did not go out. (After a network error it may have,
            # so that send keeps counting.)
            _send_failed(env, push)
        if exc.errcode == ALREADY_SENT and sends.is_failed_msg_id(
            env.redis, exc.result.get("msg_id")
        ):
            _send_failed(env, push)
            raise _Fail("broadcast", 45065, exc.errmsg, outcomes.failed_id_hint()) from None
        if exc.errcode == ALREADY_SENT:
            # This push's own send, whose answer was lost: record it instead of failing.
            result, already = exc.result, True
        elif exc.errcode == 45066:
            raise _Wait(61.0) from None
        elif exc.errcode == 45028:
            to_all = push.tag_id is None
            slot = quota.next_slot_after_refusal(
                env.redis, env.settings, datetime.now(quota.BEIJING), to_all
            )
            raise _Fail("broadcast", 45028, exc.errmsg, outcomes.quota_hint(slot)) from None
        else:
            raise
    msg_id = str(result.get("msg_id") or "")
    # Counted by the send, not the push: a send whose answer was lost (Redis away, a crash) comes
    # back as 45065 to the next runner and must count once, never twice.
    quota.record_send(env.redis, msg_id or push.id, time.time(), push.tag_id is None)
    sends.update(env.redis, push.id, push.number, push.tag_id, msg_id=msg_id)
    if msg_id:
        env.redis.set(f"push:by_msg:{msg_id}", push.id, ex=EVENT_TTL)
    values = {
        "msg_id": msg_id,
        "msg_data_id": result.get("msg_data_id", ""),
        "already_sent": already,
    }
    if push.tag_id is None:
        values["confirm_until"] = time.time() + CONFIRM_WINDOW
    lease.move(push, "broadcast", values)


def _follow_mass(env: Env, push: Push, lease: Lease) -> None:
    """Wait for the mass send. Its outcome and counts come from an encrypted MASSSENDJOBFINISH
    for this msg_id (the only source of the articles' URLs), else from mass/get."""
    _give_up_if_stale(push, "broadcast")
    msg_id = str(push.get("msg_id", ""))
    if not msg_id:
        lease.move(push, "done", {"mass_status": "already sent (no msg_id returned)"})
        sends.update(env.redis, push.id, push.number, push.tag_id, result="sent")
        return
    started = time.monotonic()
    polls = list(POLL_AT)
    success_seen_at = None
    woken = False
    while True:
        event = env.redis.hgetall(mass_event_key(msg_id))
        if event.get("trusted") == "1":
            if event["status"] == "send success":
                return _mass_done(env, push, lease, event)
            _mass_failed(env, push, event["status"])
        poll_now = event and not woken
        if poll_now or (polls and time.monotonic() - started >= polls[0]):
            if poll_now:
                woken = True
            else:
                polls.pop(0)
            res = _call(lambda: env.client.mass.get(msg_id), f"push {push.id} mass/get")
            status = res.get("msg_status", "SENDING")
            if status == "SEND_FAIL":
                _mass_failed(env, push, "send fail")
            if status == "DELETE":
                # Sent, then deleted in the MP console: it reached followers and keeps counting.
                raise _Fail("broadcast", status, "the mass send was deleted", "See the MP console.")
            if status == "SEND_SUCCESS" and success_seen_at is None:
                success_seen_at = time.monotonic()
        if success_seen_at is not None and time.monotonic() - success_seen_at > URL_EVENT_GRACE:
            # Sent, but no encrypted event with the counts and URLs reached the webhook.
            return _mass_done(env, push, lease, {"status": "send success"})
        if time.monotonic() - started > WAIT_IN_TASK:
            raise _Wait(10.0)
        time.sleep(0.25)


def _send_failed(env: Env, push: Push) -> None:
    """Record that this push's send is known not to have reached followers (it counts no more)."""
    sends.update(env.redis, push.id, push.number, push.tag_id, result=sends.FAILED)


def _mass_failed(env: Env, push: Push, status: str) -> None:
    _send_failed(env, push)
    raise _Fail(
        "broadcast",
        status,
        outcomes.mass_outcome_meaning(status),
        outcomes.mass_outcome_hint(status),
    )


def _mass_done(env: Env, push: Push, lease: Lease, event: dict) -> None:
    values = {
        "mass_status": event.get("status", ""),
        "total_count": event.get("total_count", ""),
        "filter_count": event.get("filter_count", ""),
        "sent_count": event.get("sent_count", ""),
        "error_count": event.get("error_count", ""),
        "confirm_until": "",
    }
    urls = content.json_list(event.get("article_urls"))
    if urls and not push.get("article_urls"):
        values["article_urls"] = urls
        content.store_published(env.redis, push, urls)
    elif not urls:
        values["note"] = (
            "the articles' URLs are unknown: WeChat's MASSSENDJOBFINISH event did not reach the "
            "webhook encrypted (safe mode)"
        )
    lease.move(push, "done", values)
    sends.update(env.redis, push.id, push.number, push.tag_id, result="sent")
