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
from bot.wechat import service_window

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
        self.mode = settings.message_mode
        self.redis = client
        self.router = router
        self.enqueue = enqueue
        self.crypto = (
            MessageCrypto(settings.WECHAT_TOKEN, settings.WECHAT_AES_KEY, settings.WECHAT_APPID)
            if settings.WECHAT_AES_KEY
            else None
        )
        # While the EncodingAESKey is being changed, WeChat may still encrypt with the old one
        # (its FAQ: keep the current and the previous key, answer with the one that decrypted).
        previous = settings.WECHAT_AES_KEY_PREVIOUS
        self.previous_crypto = (
            MessageCrypto(settings.WECHAT_TOKEN, previous, settings.WECHAT_APPID)
            if previous and self.crypto is not None
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

    def open(self, args: Mapping[str, str], body: bytes) -> tuple[Message, MessageCrypto | None]:
        """The typed message in a verified body, and the crypto to encrypt its reply with (None:
        answer in plaintext)."""
        encrypt_type = args.get("encrypt_type", "raw").lower()
        if encrypt_type not in {"raw", "aes", ""}:
            raise Rejected(400, "unknown encrypt_type")
        # The signature covers token, timestamp and nonce but not a plaintext body: in safe mode
        # (WeChat then always encrypts) a plaintext POST is a forgery, whoever saw one signature.
        if encrypt_type != "aes" and self.mode == "safe":
            raise Rejected(403, "plaintext message refused in safe mode")
        if encrypt_type == "aes" and self.mode == "plain":
            raise Rejected(400, "encrypted message but WECHAT_MESSAGE_MODE is plain")
        fields = _parse(body)
        crypto = None
        if encrypt_type == "aes":
            encrypt = fields.get("Encrypt")
            if not isinstance(encrypt, str) or not encrypt:
                raise Rejected(400, "no Encrypt element")
            parts = (args.get("timestamp", ""), args.get("nonce", ""), encrypt)
            if not check_signature(self.token, args.get("msg_signature"), *parts):
                raise Rejected(403, "bad or missing msg_signature")
            inner, crypto = self._decrypt(encrypt)
            fields = _parse(inner)
        try:
            return from_fields(fields), crypto
        except MessageError as exc:
            raise Rejected(400, f"not a WeChat message: {exc}") from None

    def _decrypt(self, encrypt: str) -> tuple[bytes, MessageCrypto]:
        """The payload and the crypto that opened it: the current key, else the previous one."""
        try:
            return self.crypto.decrypt(encrypt), self.crypto
        except CryptoError as exc:
            if self.previous_crypto is not None:
                try:
                    return self.previous_crypto.decrypt(encrypt), self.previous_crypto
                except CryptoError:
                    pass
            raise Rejected(400, f"cannot decrypt: {exc}") from None

    # -- handling -------------------------------------------------------------------------------

    def respond(self, message: Message, crypto: MessageCrypto | None) -> Response:
        """The reply to a verified message: the cached one for a retry, else the handler's."""
        key = message.dedup_key
        started = time.monotonic()
        reads = self.router.reads_for(message)
        try:
            claim = self.dedup.claim(key, service_window.with_opening(message, reads))
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
        body, writes = self._run(message, crypto, prefetched)
        self.dedup.finish(key, body, writes)
        return _response(body)

    def _run(
        self, message: Message, crypto: MessageCrypto | None, prefetched: dict | None = None
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
            ctx.encrypted = crypto is not None
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
        if crypto is not None and xml != replies.SUCCESS:
            nonce = str(int.from_bytes(os.urandom(4), "big"))
            xml = crypto.envelope(xml, str(now), nonce)
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
