"""The webhook's table of events and message types, the steps that prepare a context, and the
reads queued on the claim.

What a follower's text asks for is not decided here: one handler takes text (and voice with
WeChat's recognition) to `understand()` and the intent table in bot/followers/answers.py, and
menu clicks go to the same table by their key. Handler modules in bot/handlers/ register:

    @router.event("subscribe")
    def welcome(message, ctx): return TextReply(...)

A handler is `handler(message, ctx) -> Reply | None`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.webhook.messages import Event, Message
from bot.webhook.replies import Reply

log = logging.getLogger(__name__)

Handler = Callable[[Message, "Context"], Reply | None]
ContextStep = Callable[[Message, "Context"], None]
Prefetch = Callable[[Message, Any], None]


@dataclass
class Context:
    """What a handler gets besides the message; context steps may fill in more (lang)."""

    redis: Any
    settings: Any
    openid: str
    lang: str = "en"
    # For a prefix match, the rest of the text after the prefix ("remind 3" -> "3").
    argument: str = ""
    # Chinese answers written in Traditional characters (the follower reads them).
    traditional: bool = False
    # What the follower asked (bot.followers.keywords.Intent) and whether a menu button asked.
    intent: Any = None
    click: bool = False
    # Whether reminders wait for this follower's next answer (None: not read yet).
    has_held: bool | None = None
    # Redis writes the answer need not wait for; see write_later.
    after_reply: list[Callable[[Any], None]] = field(default_factory=list)
    # Results of the reads each prefetch queued on the claim's round trip, by the prefetch's
    # name (absent when it queued none, or when one of them failed: read again then).
    prefetched: dict[str, list] = field(default_factory=dict)
    # The push arrived encrypted (safe or compatible mode): it comes from WeChat itself.
    encrypted: bool = False

    def write_later(self, write: Callable[[Any], None]) -> None:
        """Queue write(pipeline) to run after the reply, batched with the reply's caching.

        For bookkeeping no reply depends on (last-seen times, counters): it costs the request no
        Redis round trip. The write may be lost if the process dies first.
        """
        self.after_reply.append(write)


class Prefetched:
    """Queues the prefetches' reads on a pipeline, then splits its results by prefetch."""

    def __init__(self, message: Message, prefetches: list[Prefetch]) -> None:
        self._message = message
        self._prefetches = prefetches
        self._spans: list[tuple[str, int, int]] = []

    def __call__(self, pipe: Any) -> None:
        self._spans = []
        # The claim is the pipeline's first command; the results handed to by_name leave it out.
        base = len(pipe)
        for queue_reads in self._prefetches:
            start = len(pipe)
            queue_reads(self._message, pipe)
            if len(pipe) > start:
                self._spans.append((queue_reads.__name__, start - base, len(pipe) - base))

    def by_name(self, results: list) -> dict[str, list]:
        """The results of each prefetch's reads; one with a failed read is left out."""
        out = {}
        for name, start, end in self._spans:
            mine = results[start:end]
            if not any(isinstance(value, Exception) for value in mine):
                out[name] = mine
        return out


class Router:
    """A table of handlers by event and message type; each decorator refuses a clash."""

    def __init__(self) -> None:
        self._events: dict[str, Handler] = {}
        self._types: dict[str, Handler] = {}
        self._context_steps: list[ContextStep] = []
        self._prefetches: list[Prefetch] = []

    @staticmethod
    def _add(table: dict[str, Handler], keys: tuple[str, ...], what: str):
        if not keys:
            raise ValueError(f"{what}: give at least one")

        def register(handler: Handler) -> Handler:
            for key in keys:
                if key in table and table[key] is not handler:
                    raise ValueError(f"{what} {key!r} already has a handler")
                table[key] = handler
            return handler

        return register

    def event(self, *names: str):
        """Handle events of these types (subscribe, CLICK, SCAN, ...; any case)."""
        return self._add(self._events, tuple(n.lower() for n in names), "event")

    def message_type(self, *types: str):
        """Handle messages of these MsgTypes (text, image, voice, ...)."""
        return self._add(self._types, tuple(t.lower() for t in types), "message type")

    def context_step(self, step: ContextStep) -> ContextStep:
        """Run step(message, ctx) before every handler, e.g. to set ctx.lang from the follower."""
        self._context_steps.append(step)
        return step

    def prefetch(self, queue_reads: Prefetch) -> Prefetch:
        """Register queue_reads(message, pipeline): reads a context step needs, queued on the
        webhook's claim so that they cost no round trip of their own; a context step finds their
        results in ctx.prefetched[queue_reads.__name__]."""
        self._prefetches.append(queue_reads)
        return queue_reads

    def reads_for(self, message: Message) -> Prefetched | None:
        """The prefetches' reads for this message, to queue on the claim; None when none."""
        return Prefetched(message, self._prefetches) if self._prefetches else None

    def build_context(
        self, message: Message, redis: Any, settings: Any, prefetched: dict | None = None
    ) -> Context:
        ctx = Context(redis=redis, settings=settings, openid=message.from_user)
        if prefetched:
            ctx.prefetched = prefetched
        for step in self._context_steps:
            step(message, ctx)
        return ctx

    def resolve(self, message: Message) -> Handler | None:
        """The handler for this message: by event type for events, else by message type."""
        if isinstance(message, Event) or message.is_event:
            return self._events.get(getattr(message, "event", "").lower())
        return self._types.get(message.msg_type.lower())

    def dispatch(self, message: Message, ctx: Context) -> Reply | None:
        """Run the matching handler; None when there is none (the webhook answers `success`)."""
        handler = self.resolve(message)
        if handler is None:
            log.info("no handler for %s %s", message.msg_type, message.log_id)
            return None
        return handler(message, ctx)


# The one routing table of the bot; bot/handlers/* register on it.
router = Router()
