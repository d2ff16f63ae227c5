"""Calls the configured webhook exactly as WeChat does, and records what came back."""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import requests

from sandbox import crypto, wire
from sandbox.inbox import add_to_inbox
from sandbox.state import SandboxState, key

__all__ = [
    "Outcome",
    "Webhook",
    "add_to_inbox",
    "deliver",
    "deliver_event",
    "deliver_message",
    "webhook_for",
]

log = logging.getLogger(__name__)

DELIVERY_LOG_LENGTH = 500
MODES = ("plain", "compatible", "safe")
# Notices to the account about its own jobs: their replies are shown to no one.
SILENT_EVENTS = {"PUBLISHJOBFINISH", "MASSSENDJOBFINISH", "TEMPLATESENDJOBFINISH", "unsubscribe"}
# WeChat drops the connection after 5 s without an answer and tries again; the developer
# community observes three calls in all ("总共重试三次"), so `attempts` counts every call.
WECHAT_TIMEOUT = 5.0
WECHAT_ATTEMPTS = 3


@dataclass(frozen=True)
class Webhook:
    """Where and how the sandbox delivers: the URL, the account's secrets and the mode."""

    url: str
    token: str
    appid: str
    account_id: str
    aes_key: str = ""
    mode: str = "plain"
    timeout: float = WECHAT_TIMEOUT
    attempts: int = WECHAT_ATTEMPTS


@dataclass
class Outcome:
    """What one delivery came to: a reply, no reply (empty or `success`), or an error."""

    status: str
    attempts: int
    reply: dict[str, Any] | None = None
    error: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)


def webhook_for(state: SandboxState) -> Webhook | None:
    """The webhook as the sandbox's settings describe it, or None when no URL is set."""
    config = state.config()
    if not config.get("webhook_url"):
        return None
    account = state.account
    return Webhook(
        url=config["webhook_url"],
        token=account.token,
        appid=account.appid,
        account_id=account.original_id,
        aes_key=account.aes_key,
        mode=config["delivery_mode"],
        timeout=float(config.get("delivery_timeout", WECHAT_TIMEOUT)),
        attempts=int(config.get("delivery_attempts", WECHAT_ATTEMPTS)),
    )


def signed_request(webhook: Webhook, openid: str, xml_text: str) -> tuple[dict[str, str], str]:
    """The query and body of one call: signed, and in safe or compatible mode encrypted."""
    timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    query = {
        "signature": crypto.signature(webhook.token, timestamp, nonce),
        "timestamp": timestamp,
        "nonce": nonce,
        "openid": openid,
    }
    if webhook.mode == "plain":
        return query, xml_text
    encrypted = crypto.encrypt(xml_text, webhook.aes_key, webhook.appid)
    query["encrypt_type"] = "aes"
    query["msg_signature"] = crypto.signature(webhook.token, timestamp, nonce, encrypted)
    if webhook.mode == "safe":
        return query, wire.to_xml({"ToUserName": webhook.account_id, "Encrypt": encrypted})
    # Compatible mode: the plaintext fields plus the Encrypt element, for migrating servers.
    return query, xml_text.removesuffix("</xml>") + wire.to_xml({"Encrypt": encrypted})[5:]


def read_reply(webhook: Webhook, openid: str, body: str, to_message: bool) -> dict | None:
    """The reply as an inbox entry, None for `success` or an empty body; ReplyError if bad."""
    text = body.strip()
    if text in ("", "success"):
        return None
    fields = wire.parse(text)
    if "Encrypt" in fields:
        fields = _open_envelope(webhook, fields)
    elif webhook.mode == "safe":
        raise wire.ReplyError("reply is not encrypted, but the account is in safe mode")
    return wire.check_reply(fields, openid, webhook.account_id, to_message)


def _open_envelope(webhook: Webhook, fields: dict[str, Any]) -> dict[str, Any]:
    if webhook.mode == "plain":
        raise wire.ReplyError("reply is encrypted, but the account is in plaintext mode")
    for name in ("Encrypt", "MsgSignature", "TimeStamp", "Nonce"):
        if not fields.get(name):
            raise wire.ReplyError(f"encrypted reply lacks {name}")
    expected = crypto.signature(
        webhook.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"]
    )
    if fields["MsgSignature"] != expected:
        raise wire.ReplyError("reply MsgSignature does not match the token")
    try:
        inner = crypto.decrypt(fields["Encrypt"], webhook.aes_key, webhook.appid)
    except crypto.EnvelopeError as exc:
        raise wire.ReplyError(f"reply does not decrypt: {exc}") from None
    return wire.parse(inner)


def post(webhook: Webhook, openid: str, xml_text: str, to_message: bool) -> Outcome:
    """Call the webhook, retrying while no answer comes in time, and judge the answer."""
    outcome = Outcome(status="error", attempts=0)
    with requests.Session() as session:
        for attempt in range(1, webhook.attempts + 1):
            outcome.attempts = attempt
            query, body = signed_request(webhook, openid, xml_text)
            started = time.monotonic()
            try:
                response = session.post(
                    webhook.url,
                    params=query,
                    data=body.encode("utf-8"),
                    headers={"Content-Type": "text/xml; charset=utf-8"},
                    timeout=webhook.timeout,
                )
            except requests.Timeout:
                outcome.calls.append(_call(attempt, started, "timeout"))
                outcome.error = f"no answer within {webhook.timeout:g} s"
                continue
            except requests.ConnectionError as exc:
                outcome.calls.append(_call(attempt, started, "connection failed"))
                outcome.error = f"cannot reach the webhook ({type(exc).__name__})"
                continue
            if time.monotonic() - started > webhook.timeout:
                # requests times each read apart; WeChat gives the whole answer 5 s in all.
                outcome.calls.append(_call(attempt, started, "answer too late"))
                outcome.error = f"no answer within {webhook.timeout:g} s"
                continue
            outcome.calls.append(_call(attempt, started, f"HTTP {response.status_code}"))
            return _judge(webhook, openid, response, to_message, outcome)
    log.warning("webhook gave no answer openid=%s attempts=%s", openid, outcome.attempts)
    return outcome


def _call(attempt: int, started: float, result: str) -> dict[str, Any]:
    return {"attempt": attempt, "seconds": round(time.monotonic() - started, 3), "result": result}


def _judge(webhook, openid, response, to_message, outcome: Outcome) -> Outcome:
    if response.status_code != 200:
        outcome.error = f"webhook answered HTTP {response.status_code}"
        return outcome
    try:
        outcome.reply = read_reply(webhook, openid, response.content.decode("utf-8"), to_message)
    except UnicodeDecodeError:
        outcome.error = "reply is not UTF-8"
        return outcome
    except wire.ReplyError as exc:
        outcome.error = str(exc)
        return outcome
    outcome.error = ""
    if outcome.reply:
        outcome.status = "reply"
    else:
        # Both tell WeChat "nothing to show, do not retry"; the chat page says which it was.
        outcome.status = "no_reply"
        answer = "success" if response.content.strip() == b"success" else "empty"
        outcome.reply = {"type": "no_reply", "answer": answer}
    return outcome


def deliver(
    state: SandboxState,
    openid: str,
    xml_text: str,
    kind: str,
    to_message: bool,
    record_reply: bool = True,
) -> Outcome:
    """Deliver one message or event, log the delivery, and put the reply in the inbox."""
    webhook = webhook_for(state)
    if webhook is None:
        outcome = Outcome(status="error", attempts=0, error="no webhook URL is configured")
    else:
        outcome = post(webhook, openid, xml_text, to_message)
    entry = {
        "at": int(state.now()),
        "openid": openid,
        "kind": kind,
        "mode": webhook.mode if webhook else "",
        "status": outcome.status,
        "attempts": outcome.attempts,
        "error": outcome.error,
        "calls": outcome.calls,
    }
    pipe = state.r.pipeline()
    pipe.lpush(key("deliveries"), json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(key("deliveries"), 0, DELIVERY_LOG_LENGTH - 1)
    pipe.execute()
    log.info("delivered kind=%s openid=%s status=%s", kind, openid, outcome.status)
    if record_reply:
        _record(state, openid, outcome)
    return outcome


def _record(state: SandboxState, openid: str, outcome: Outcome) -> None:
    if outcome.status == "reply":
        add_to_inbox(state, openid, outcome.reply, sender="account", via="reply")
    elif outcome.status == "no_reply":
        add_to_inbox(state, openid, outcome.reply or {"type": "no_reply"}, sender="sandbox")
    else:
        add_to_inbox(state, openid, {"type": "error", "error": outcome.error}, sender="sandbox")


def deliveries(state: SandboxState, limit: int = 100) -> list[dict[str, Any]]:
    """The latest deliveries, newest first."""
    return [json.loads(row) for row in state.r.lrange(key("deliveries"), 0, limit - 1)]


def deliver_message(
    state: SandboxState, openid: str, content: str, msg_id: int | None = None
) -> Outcome:
    """A follower's text message, delivered with a 64-bit MsgId (the same on every retry)."""
    xml_text = wire.text_message(
        state.account.original_id,
        openid,
        int(state.now()),
        content,
        msg_id or wire.new_msg_id(),
    )
    return deliver(state, openid, xml_text, "text", to_message=True)


def deliver_user_message(
    state: SandboxState, openid: str, msg_type: str, fields: dict[str, Any]
) -> Outcome:
    """A follower's image, voice or location message (its own fields, then a MsgId)."""
    xml_text = wire.message(
        state.account.original_id,
        openid,
        int(state.now()),
        msg_type,
        **fields,
        MsgId=wire.new_msg_id(),
    )
    return deliver(state, openid, xml_text, msg_type, to_message=True)


def deliver_event(
    state: SandboxState,
    openid: str,
    event_fields: dict[str, Any],
    record_reply: bool | None = None,
) -> Outcome:
    """An event (`Event` plus its fields; nested dicts and lists allowed) to the webhook.

    The reply lands in the follower's inbox, except for job-finish notices, which nobody sees.
    """
    fields = dict(event_fields)
    event = fields.pop("Event")
    if record_reply is None:
        record_reply = event not in SILENT_EVENTS
    xml_text = wire.event_message(
        state.account.original_id, openid, int(state.now()), event, **fields
    )
    return deliver(state, openid, xml_text, f"event:{event}", False, record_reply)
