"""The webhook's steps: verify → decrypt → parse → dedup → route → render (no Flask in here)."""

from __future__ import annotations

import logging
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from bot.webhook import replies, xmlparse
from bot.webhook.crypto import CryptoError, MessageCrypto, check_signature
from bot.webhook.dedup import Dedup
from bot.webhook.messages import Message, MessageError, UnknownMessage, from_fields
from bot.webhook.router import Router

log = logging.getLogger("bot.webhook")

# How long a retry that reaches us while the first call is still running waits for its reply;
# WeChat gives each attempt 5 s, so answer `success` well before that.
DUPLICATE_WAIT = 3.0


class Rejected(Exception):
    """A request refused with an HTTP status; the reason is logged and is safe to show."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Response:
    body: str
    content_type: str


SUCCESS = Response(replies.SUCCESS, "text/plain; charset=utf-8")


def where(exc: BaseException) -> str:
    """Where an exception was raised (file:line in function), for a log line without a trace."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    last = frames[-1]
    return f"{type(exc).__name__} at {os.path.basename(last.filename)}:{last.lineno} in {last.name}"


class Webhook:
    """Everything the webhook builds once per process: crypto, dedup script, routing table."""

    def __init__(
        self,
        settings: Any,
        client: redis.Redis,
        router: Router,
        enqueue: Callable[..., Any],
    ) -> None:
        self.settings = settings
        self.token = settings.WECHAT_TOKEN
        self.window = settings.REPLAY_WINDOW
        self.max_body = settings.MAX_BODY_BYTES
        self.redis = client
        self.router = router
        self.enqueue = enqueue
        self.crypto = (
            MessageCrypto(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APPID)
            if settings.WECHAT_AES_KEY
            else None
        )
        # Keep a push's key at least as long as a signed request is accepted (the replay window),
        # so that even a replay inside the window finds it; never less than WeChat's retries need.
        self.dedup = Dedup(client, ttl=max(600, 2 * self.window), wait=DUPLICATE_WAIT)

    # -- verification ---------------------------------------------------------------------------

    def verify_query(self, args: Mapping[str, str], now: float) -> None:
        """Check `signature` over token/timestamp/nonce and the replay window, or raise Rejected."""
        if not self.token:
            raise Rejected(503, "WECHAT_TOKEN is not set")
        timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
        if not check_signature(self.token, args.get("signature"), timestamp, nonce):
            raise Rejected(403, "bad or missing signature")
        if not timestamp.isdigit() or abs(now - int(timestamp)) > self.window:
            raise Rejected(403, "timestamp outside the replay window")

    def echo(self, args: Mapping[str, str]) -> str:
        """The URL check: echostr back, byte for byte (verify_query first)."""
        echostr = args.get("echostr")
        if not echostr:
            raise Rejected(400, "no echostr")
        return echostr

    def open(self, args: Mapping[str, str], body: bytes) -> tuple[Message, bool]:
        """The typed message in a verified body, and whether the reply must be encrypted."""
        encrypt_type = args.get("encrypt_type", "raw").lower()
        if encrypt_type not in {"raw", "aes", ""}:
            raise Rejected(400, "unknown encrypt_type")
        fields = _parse(body)
        encrypted = encrypt_type == "aes"
        if encrypted:
            if self.crypto is None:
                raise Rejected(400, "encrypted message but WECHAT_AES_KEY is not set")
            encrypt = fields.get("Encrypt")
            if not isinstance(encrypt, str) or not encrypt:
                raise Rejected(400, "no Encrypt element")
            parts = (args.get("timestamp", ""), args.get("nonce", ""), encrypt)
            if not check_signature(self.token, args.get("msg_signature"), *parts):
                raise Rejected(403, "bad or missing msg_signature")
            try:
                inner = self.crypto.decrypt(encrypt)
            except CryptoError as exc:
                raise Rejected(400, f"cannot decrypt: {exc}") from None
            fields = _parse(inner)
        try:
            return from_fields(fields), encrypted
        except MessageError as exc:
            raise Rejected(400, f"not a WeChat message: {exc}") from None

    # -- handling -------------------------------------------------------------------------------

    def respond(self, message: Message, encrypted: bool) -> Response:
        """The reply to a verified message: the cached one for a retry, else the handler's."""
        key = message.dedup_key
        started = time.monotonic()
        reads = self.router.reads_for(message)
        try:
            claim = self.dedup.claim(key, reads)
        except redis.RedisError as exc:
            raise Rejected(503, f"Redis unavailable ({type(exc).__name__})") from None
        if not claim.owned:
            body = claim.body
            if body is None:
                body = self.dedup.wait_for(key, started + self.dedup.wait)
                if body is None:
                    log.warning("retry of %s while its first call still runs: success", key)
                    return SUCCESS
            log.info("retry of %s answered from cache", key)
            return _response(body)

        prefetched = reads.by_name(claim.reads) if reads is not None else None
        body, writes = self._run(message, encrypted, prefetched)
        self.dedup.finish(key, body, writes)
        return _response(body)

    def _run(
        self, message: Message, encrypted: bool, prefetched: dict | None = None
    ) -> tuple[str, list]:
        """Route, run the handler, render; any failure is logged with the push id, never raised.

        Returns the body and the context's after-reply writes (see Context.write_later).
        """
        key = message.dedup_key
        if isinstance(message, UnknownMessage):
            log.info("unknown push %s/%s %s: success", message.msg_type, message.event or "-", key)
            return replies.SUCCESS, []
        ctx = None
        try:
            ctx = self.router.build_context(message, self.redis, self.settings, prefetched)
            reply = self.router.dispatch(message, ctx)
            if isinstance(reply, replies.Deferred):
                # A task id fixed by the push lets the task skip a redelivery that already sent.
                self.enqueue(reply.task_name, *reply.args, task_id=f"webhook:{key}")
                log.info("%s deferred to task %s", key, reply.task_name)
            now = int(time.time())
            xml = replies.render(reply, message, now)
        except Exception as exc:  # a broken handler must not make WeChat retry or show an error
            log.error("handler failed for %s: %s", key, where(exc))
            return replies.SUCCESS, ctx.after_reply if ctx else []
        if encrypted and xml != replies.SUCCESS:
            nonce = str(int.from_bytes(os.urandom(4), "big"))
            xml = self.crypto.envelope(xml, str(now), nonce)
        return xml, ctx.after_reply


def _parse(body: bytes) -> dict:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not UTF-8") from None
    try:
        return xmlparse.parse(body)
    except xmlparse.XMLRefused as exc:
        raise Rejected(400, str(exc)) from None


def _response(body: str) -> Response:
    if body == replies.SUCCESS:
        return SUCCESS
    return Response(body, "application/xml; charset=utf-8")
