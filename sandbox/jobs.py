"""Asynchronous jobs: finishing publishes and mass sends, and delivering their events."""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import redis

from sandbox.publishing import complete_mass_send, fail_mass_send, publish_articles
from sandbox.state import SandboxState, key

log = logging.getLogger(__name__)

TICK_SECONDS = 0.2
PUBLISHING = 1


def schedule(st: SandboxState, kind: str, job_id: str, ready_at: float) -> None:
    st.r.zadd(key("pending", kind), {job_id: ready_at})


@contextlib.contextmanager
def record_lock(st: SandboxState, kind: str, record_id: object) -> Iterator[None]:
    """A Redis lock on one job's records: finishing it and changing it (delete) never interleave."""
    lock = st.r.lock(key("lock", kind, record_id), timeout=60, blocking_timeout=60)
    if not lock.acquire():
        raise redis.exceptions.LockError(f"{kind} {record_id} stayed locked for a minute")
    try:
        yield
    finally:
        # A reset of the sandbox's state (tests) may have removed the lock in the meantime.
        with contextlib.suppress(redis.exceptions.LockError):
            lock.release()


def queue_event(st: SandboxState, openid: str, fields: dict[str, Any]) -> None:
    """Queue an event for the webhook; the job thread delivers it (never inside an API call)."""
    st.r.rpush(key("outbox"), json.dumps({"openid": openid, "fields": fields}, ensure_ascii=False))


def deliver_queued(st: SandboxState) -> int:
    from sandbox import delivery

    delivered = 0
    while raw := st.r.lpop(key("outbox")):
        event = json.loads(raw)
        delivery.deliver_event(st, event["openid"], event["fields"])
        delivered += 1
    return delivered


def finish_publish(st: SandboxState, publish_id: str) -> bool:
    """Give a due publish job its final status (success or the injected failure)."""
    with record_lock(st, "publish", publish_id):
        record = st.get("publishes", publish_id)
        if not record or record["publish_status"] != PUBLISHING:
            st.r.zrem(key("pending", "publish"), publish_id)
            return False
        if st.now() < record["ready_at"]:
            return False
        info = _publish_outcome(st, publish_id, record)
        st.put("publishes", publish_id, record)
        st.r.zrem(key("pending", "publish"), publish_id)
    log.info("publish %s finished with status %s", publish_id, info["publish_status"])
    queue_event(st, st.operator_openid(), {"Event": "PUBLISHJOBFINISH", "PublishEventInfo": info})
    return True


def _publish_outcome(st: SandboxState, publish_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """Apply the job's final status to its record; returns the event's PublishEventInfo."""
    status = int(record["outcome"])
    info: dict[str, Any] = {"publish_id": int(publish_id), "publish_status": status}
    if status == 0:
        article_id, items = publish_articles(
            st, record["articles"], "publish", publish_id=publish_id
        )
        detail = {
            "count": len(items),
            "item": [{"idx": i, "article_url": a["url"]} for i, a in enumerate(items, start=1)],
        }
        record.update(publish_status=0, article_id=article_id, article_detail=detail)
        info.update(article_id=article_id, article_detail=detail)
        # WeChat takes a draft out of the draft box once it is published.
        st.delete("drafts", record["media_id"])
    else:
        failed = list(range(1, len(record["articles"]) + 1)) if status in (2, 4) else []
        record.update(publish_status=status, fail_idx=failed)
        info["fail_idx"] = failed
    return info


def finish_mass(st: SandboxState, msg_id: str) -> bool:
    """Deliver a due mass send to the followers' inboxes and report MASSSENDJOBFINISH."""
    with record_lock(st, "mass", msg_id):
        record = st.get("mass", msg_id)
        if not record or record["msg_status"] != "SENDING":
            st.r.zrem(key("pending", "mass"), msg_id)
            return False
        if record.get("confirm_by") is not None:
            # Held for an administrator (API mass-send protection): 30 minutes, then it fails.
            if st.now() < record["confirm_by"]:
                return False
            event = fail_mass_send(st, msg_id, record, "err(40002)")
        elif st.now() < record["ready_at"]:
            return False
        else:
            event = complete_mass_send(st, msg_id, record)
        st.r.zrem(key("pending", "mass"), msg_id)
    log.info("mass send %s finished: %s", msg_id, record["msg_status"])
    queue_event(st, st.operator_openid(), event)
    return True


class NotHeld(ValueError):
    """The send named is not waiting for an administrator's confirmation."""


def confirm_mass(st: SandboxState, msg_id: str, accept: bool) -> dict[str, Any]:
    """An administrator's answer to a held send to all: sent after mass_delay, or err(40001)."""
    with record_lock(st, "mass", msg_id):
        record = st.get("mass", msg_id)
        if not record or record["msg_status"] != "SENDING" or record.get("confirm_by") is None:
            raise NotHeld(f"mass send {msg_id} is not waiting for a confirmation")
        if not accept:
            event = fail_mass_send(st, msg_id, record, "err(40001)")
            st.r.zrem(key("pending", "mass"), msg_id)
        else:
            record.pop("confirm_by")
            record["ready_at"] = st.now() + float(st.config()["mass_delay"])
            st.put("mass", msg_id, record)
            schedule(st, "mass", msg_id, record["ready_at"])
            event = None
    if event:
        queue_event(st, st.operator_openid(), event)
    return {"msg_id": msg_id, "confirmed": accept}


def run_due(st: SandboxState, deliver: bool = False) -> int:
    """Finish the jobs whose time has come (and deliver queued events); returns how many."""
    now = st.now()
    finished = 0
    for job_id in st.r.zrangebyscore(key("pending", "publish"), "-inf", now):
        finished += finish_publish(st, job_id)
    for job_id in st.r.zrangebyscore(key("pending", "mass"), "-inf", now):
        finished += finish_mass(st, job_id)
    if deliver:
        deliver_queued(st)
    return finished


class Ticker:
    """A daemon thread that finishes due jobs a few times a second until stopped."""

    def __init__(self, st: SandboxState):
        self.st = st
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sandbox-jobs", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                run_due(self.st, deliver=True)
            except Exception:
                # One bad job must not stop the others; it is retried on the next tick.
                log.exception("sandbox job tick failed")

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(5)


def start_ticker(st: SandboxState) -> Ticker:
    ticker = Ticker(st)
    ticker.thread.start()
    return ticker
