"""What a push or a schedule is now, typed: what `api.status` gives the console and the CLI.

The push record in Redis keeps text (see `state`); it is read here once, into datetimes, counts
and states, so that those who show a status only format it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from types import MappingProxyType
from typing import Any, Literal

from bot.clock import people_time
from bot.publishing.state import STATES, Push

PushState = Literal[
    "pending", "drafted", "previewed", "publishing", "published", "broadcast", "done", "failed"
]
ScheduleState = Literal["scheduled", "held", "firing", "fired", "missed", "failed", "cancelled"]

# Steps recorded in the same second are listed in the order a push goes through them.
_STEP_RANK = {name: rank for rank, name in enumerate(STATES)}


def _int(value: Any) -> int | None:
    """A whole number from the record, None when it holds none ('' or missing)."""
    if isinstance(value, int):
        return value
    return int(value) if str(value or "").isdigit() else None


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


@dataclass(frozen=True)
class PushOptions:
    """What staff asked of a push: publish, broadcast (to a tag or all), previews, version."""

    publish: bool = False
    broadcast: bool = False
    tag_id: int | None = None
    preview_to: tuple[str, ...] = ()
    version: int | None = None
    again: bool = False

    @classmethod
    def from_push(cls, push: Push) -> PushOptions:
        return cls(
            publish=push.publish,
            broadcast=push.broadcast,
            tag_id=push.tag_id,
            preview_to=tuple(push.get("preview_to") or ()),
            version=_int(push.get("version")),
            again=push.again,
        )

    @classmethod
    def from_schedule(cls, options: Mapping[str, Any]) -> PushOptions:
        """The options a schedule keeps (JSON) for the push it will start."""
        return cls(
            publish=bool(options.get("publish")),
            broadcast=bool(options.get("broadcast")),
            tag_id=_int(options.get("tag_id")),
            preview_to=tuple(options.get("preview_to") or ()),
            version=_int(options.get("version")),
            again=bool(options.get("again")),
        )

    @property
    def reaches_followers(self) -> bool:
        """Publishing or broadcasting: what followers can read, unlike a preview."""
        return self.publish or self.broadcast


@dataclass(frozen=True)
class Step:
    """A state the push entered, and when."""

    state: PushState
    at: datetime


@dataclass(frozen=True)
class Failure:
    """Where a failed push stopped and what WeChat (or the check) said."""

    step: str
    errcode: str
    errmsg: str
    hint: str


@dataclass(frozen=True)
class MassCounts:
    """What WeChat reported of a mass send; None where it said nothing."""

    total: int | None = None
    filtered: int | None = None
    sent: int | None = None
    errors: int | None = None


@dataclass(frozen=True)
class PushStatus:
    """One push: its state, its steps in the order they happened, and what it left at WeChat."""

    id: str
    number: int
    state: PushState
    options: PushOptions
    by: str
    steps: tuple[Step, ...]
    failure: Failure | None
    draft_media_id: str
    publish_id: str
    msg_id: str
    article_urls: tuple[str, ...]
    # The published articles (title, digest, url, cover_url), whichever push made them.
    published: tuple[dict, ...]
    counts: MassCounts
    note: str
    # Until when a send to all may wait for an administrator's confirmation in WeChat.
    confirm_until: datetime | None
    # The whole record as Redis holds it (JSON fields decoded), for `mmsp-bot status --json`.
    record: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_push(cls, push: Push, published: list[dict]) -> PushStatus:
        steps = [
            Step(name, datetime.fromisoformat(at)) for name, at in push.get("times", {}).items()
        ]
        steps.sort(key=lambda s: (s.at, _STEP_RANK.get(s.state, len(STATES))))
        failure = None
        if push.state == "failed":
            failure = Failure(
                push.get("failed_step", ""),
                push.get("errcode", ""),
                push.get("errmsg", ""),
                push.get("hint", ""),
            )
        until = push.get("confirm_until")
        return cls(
            id=push.id,
            number=push.number,
            state=push.state,
            options=PushOptions.from_push(push),
            by=push.get("by", ""),
            steps=tuple(steps),
            failure=failure,
            draft_media_id=push.get("draft_media_id", ""),
            publish_id=push.get("publish_id", ""),
            msg_id=push.get("msg_id", ""),
            article_urls=tuple(push.get("article_urls") or ()),
            published=tuple(published),
            counts=MassCounts(
                total=_int(push.get("total_count")),
                filtered=_int(push.get("filter_count")),
                sent=_int(push.get("sent_count")),
                errors=_int(push.get("error_count")),
            ),
            note=push.get("note", ""),
            confirm_until=datetime.fromtimestamp(float(until), UTC) if until else None,
            record=MappingProxyType(dict(push.fields)),
        )

    def at(self, state: str) -> datetime | None:
        """When the push entered `state`, None if it did not."""
        return next((s.at for s in self.steps if s.state == state), None)

    @property
    def outcome(self) -> str:
        """The state staff read: a finished push says whether it broadcast, published or only
        previewed; any other state as it is."""
        if self.state != "done":
            return self.state
        if self.at("broadcast"):
            return "broadcast"
        return "published" if self.at("published") else "previewed"

    def waiting_note(self, tz: tzinfo, now: float | None = None) -> str:
        """While a send to all followers is out: WeChat may hold it for an administrator."""
        now = time.time() if now is None else now
        until = self.confirm_until
        if self.state != "broadcast" or until is None or until.timestamp() < now:
            return ""
        return (
            "if the account has API mass-send protection on, waiting for an administrator to "
            f"confirm in WeChat, until {people_time(until, tz, seconds=False, day=False)}"
        )

    def as_json(self, tz: tzinfo) -> dict:
        """The record with its times in `tz`, the issue's published articles and the waiting
        note: what `mmsp-bot status --json` prints (scripts read these keys)."""
        fields = dict(self.record)
        times = {s.state: people_time(s.at, tz) for s in self.steps}
        fields.update({"id": self.id, "number": self.number, "times": times})
        fields["published"] = [dict(a) for a in self.published]
        fields["waiting"] = self.waiting_note(tz)
        return fields


@dataclass(frozen=True)
class ScheduleStatus:
    """A scheduled push, and the push it started once it fired."""

    id: str
    number: int
    at: datetime
    state: ScheduleState
    options: PushOptions
    by: str
    created_at: datetime | None
    note: str
    # The push it started once it fired (its id; the push itself when it was asked for).
    push_id: str
    push: PushStatus | None
    # The schedule as Redis holds it (options decoded), for `mmsp-bot status --json`.
    record: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_schedule(cls, sched: Mapping[str, Any], push: PushStatus | None) -> ScheduleStatus:
        return cls(
            id=sched["id"],
            number=int(sched["number"]),
            at=datetime.fromtimestamp(float(sched["at"]), UTC),
            state=sched["state"],
            options=PushOptions.from_schedule(sched.get("options") or {}),
            by=sched.get("by", ""),
            created_at=_moment(sched.get("created_at")),
            note=sched.get("note", ""),
            push_id=sched.get("push_id", ""),
            push=push,
            record=MappingProxyType(dict(sched)),
        )

    def as_json(self, tz: tzinfo) -> dict:
        """The schedule (with its due time in `tz`) and the fields of its push, if it fired."""
        shown = {"schedule": {**self.record, "local_at": people_time(self.at, tz, seconds=False)}}
        if self.push is not None:
            shown.update(self.push.as_json(tz))
        return shown
