"""The routing table: keywords, prefixes, menu keys, event and message types to handlers.

Handler modules in bot/handlers/ register on the one `router` below:

    @router.keyword("help", "帮助", "?")
    def help(message, ctx): return TextReply(...)

A handler is `handler(message, ctx) -> Reply | None`. Keywords are compared after Unicode NFKC
normalisation (full-width letters and punctuation become their ASCII forms) and case folding.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.webhook.messages import ClickEvent, Event, Message, TextMessage
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


def normalize(text: str) -> str:
    """The form keywords are compared in: NFKC (full-width → ASCII), trimmed, case-folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


class Router:
    """A table of handlers; each registration decorator adds one entry and refuses a clash."""

    def __init__(self) -> None:
        self._keywords: dict[str, Handler] = {}
        self._prefixes: list[tuple[str, Handler]] = []
        self._clicks: dict[str, Handler] = {}
        self._events: dict[str, Handler] = {}
        self._types: dict[str, Handler] = {}
        self._fallback: Handler | None = None
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

    def keyword(self, *words: str):
        """Handle a text message equal to one of these words (any case, half or full width)."""
        return self._add(self._keywords, tuple(normalize(w) for w in words), "keyword")

    def prefix(self, *words: str):
        """Handle a text message starting with one of these; ctx.argument gets the rest."""
        normalized = tuple(normalize(w) for w in words)
        if not normalized or not all(normalized):
            raise ValueError("prefix: give non-empty prefixes")

        def register(handler: Handler) -> Handler:
            for word in normalized:
                if any(p == word and h is not handler for p, h in self._prefixes):
                    raise ValueError(f"prefix {word!r} already has a handler")
                self._prefixes.append((word, handler))
            # Longest first, so "remind me" wins over "remind".
            self._prefixes.sort(key=lambda entry: -len(entry[0]))
            return handler

        return register

    def click(self, *keys: str):
        """Handle a menu button click (CLICK event) with one of these keys (exact)."""
        return self._add(self._clicks, keys, "menu key")

    def event(self, *names: str):
        """Handle events of these types (subscribe, SCAN, ...; any case)."""
        return self._add(self._events, tuple(n.lower() for n in names), "event")

    def message_type(self, *types: str):
        """Handle messages of these MsgTypes (image, voice, ...) that no keyword matched."""
        return self._add(self._types, tuple(t.lower() for t in types), "message type")

    def fallback(self, handler: Handler) -> Handler:
        """Handle a follower's message that nothing else matched (events never fall back)."""
        if self._fallback is not None and self._fallback is not handler:
            raise ValueError("the fallback already has a handler")
        self._fallback = handler
        return handler

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

    def resolve(self, message: Message) -> tuple[Handler | None, str]:
        """The handler for this message and the argument a prefix match leaves (else "")."""
        if isinstance(message, TextMessage):
            text = unicodedata.normalize("NFKC", message.content).strip()
            folded = text.casefold()
            handler = self._keywords.get(folded)
            if handler is not None:
                return handler, ""
            for word, handler in self._prefixes:
                if folded.startswith(word):
                    rest = text if len(text) == len(folded) else folded
                    return handler, rest[len(word) :].strip()
        if isinstance(message, ClickEvent):
            handler = self._clicks.get(message.event_key)
            if handler is not None:
                return handler, ""
        if isinstance(message, Event) or message.is_event:
            return self._events.get(getattr(message, "event", "").lower()), ""
        handler = self._types.get(message.msg_type.lower())
        return (handler or self._fallback), ""

    def dispatch(self, message: Message, ctx: Context) -> Reply | None:
        """Run the matching handler; None when there is none (the webhook answers `success`)."""
        handler, argument = self.resolve(message)
        if handler is None:
            log.info("no handler for %s %s", message.msg_type, message.log_id)
            return None
        ctx.argument = argument
        return handler(message, ctx)


# The one routing table of the bot; bot/handlers/* register on it.
router = Router()
