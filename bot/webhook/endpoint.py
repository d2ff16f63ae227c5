"""The webhook's steps: verify → decrypt → parse → dedup → route → render (no Flask in here)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis
from kombu.exceptions import OperationalError

from bot.redisdb import forget_servers_used, is_transient
from bot.webhook import replies, xmlparse
from bot.webhook.crypto import CryptoError, MessageCrypto, check_signature
from bot.webhook.dedup import RELEASED, Dedup
from bot.webhook.messages import Message, MessageError, UnknownMessage, from_fields
from bot.webhook.router import Router
from bot.wechat import service_window

log = logging.getLogger("bot.webhook")

# How long a retry that reaches us while the first call is still running waits for its reply;
# WeChat gives each attempt 5 s, so answer `success` well before that.
DUPLICATE_WAIT = 3.0
# How long a call waits for Redis to come back (a Sentinel fail-over). WeChat calls again only
# when a call times out (5 s), not when it is answered 503: so a call waits a little longer
# than WeChat does, and a message still not answerable then is answered on WeChat's next call.
RIDE_OUT = 5.5
# A claim lives this long unless finished: a call that gave up, or died, frees the push for
# WeChat's next call (5 s after the first) instead of leaving it claimed for good.
CLAIM_LEASE = 5


class StorageUnavailable(Exception):
    """Redis (or the broker on it) failed mid-handler; the claim was released, try again."""


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
        self.dedup = Dedup(
            client, ttl=max(600, 2 * self.window), wait=DUPLICATE_WAIT, lease=CLAIM_LEASE
        )

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
        """The reply to a verified message: the cached one for a retry, else the handler's.

        While Redis is away (a fail-over, a restart) the call waits for it, up to RIDE_OUT
        seconds, and answers 503 only then, when WeChat has given up on this call and makes
        the next one, which finds the message unclaimed and answers it.
        """
        started = time.monotonic()
        token = os.urandom(6).hex()
        pause = 0.05
        forget_servers_used()  # what this thread sent Redis before this message is not its own
        while True:
            try:
                return self._respond_once(message, crypto, started, token)
            except (redis.RedisError, StorageUnavailable) as exc:
                cause = exc.__cause__ if isinstance(exc, StorageUnavailable) else exc
                if isinstance(exc, redis.RedisError) and not is_transient(exc):
                    raise Rejected(503, f"Redis refused ({type(exc).__name__})") from None
                left = started + RIDE_OUT - time.monotonic()
                if left <= 0:
                    log.warning("%s: Redis still unavailable, 503", message.dedup_key)
                    raise Rejected(503, f"Redis unavailable ({type(cause).__name__})") from None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.4)

    def _respond_once(
        self, message: Message, crypto: MessageCrypto | None, started: float, token: str
    ) -> Response:
        key = message.dedup_key
        reads = self.router.reads_for(message)
        opening = service_window.with_opening(message, reads)
        claim = self.dedup.claim(key, opening, token, time.monotonic() - started)
        if not claim.owned:
            body = claim.body
            if body is None:
                body = self.dedup.wait_for(key, started + self.dedup.wait)
                if body is RELEASED:
                    # The call that held it gave up: claim it again and answer it here.
                    return self._respond_once(message, crypto, started, token)
                if body is None:
                    log.warning("retry of %s while its first call still runs: success", key)
                    return SUCCESS
            log.info("retry of %s answered from cache", key)
            return _response(body)

        prefetched = reads.by_name(claim.reads) if reads is not None else None
        body, writes = self._run(message, crypto, prefetched, token)
        self.dedup.finish(key, body, writes)
        return _response(body)

    def _run(
        self,
        message: Message,
        crypto: MessageCrypto | None,
        prefetched: dict | None = None,
        token: str = "",
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
        except (redis.RedisError, OperationalError) as exc:
            if not is_transient(exc):
                log.error("handler failed for %s: %s", key, where(exc))
                return replies.SUCCESS, ctx.after_reply if ctx else []
            # Not answered, so not done: free the claim (when Redis lets us) for another try.
            log.warning("Redis lost while answering %s: %s", key, where(exc))
            # When Redis does not let us, the claim expires by itself within CLAIM_LEASE seconds.
            with contextlib.suppress(redis.RedisError):
                self.dedup.release(key, token)
            raise StorageUnavailable(key) from exc
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
