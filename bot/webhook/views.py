"""GET and POST /wechat: the thin HTTP side of the webhook (see endpoint.py for the steps)."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, Response, current_app, request

from bot.jobs import enqueue
from bot.webhook.endpoint import Rejected, Webhook
from bot.webhook.router import router as default_router

log = logging.getLogger("bot.webhook")

bp = Blueprint("webhook", __name__, url_prefix="/wechat")

_CHUNK = 64 * 1024


@bp.record_once
def _build(state) -> None:
    """Build the webhook once per app; config WEBHOOK_ROUTER may supply another routing table."""
    from bot.handlers import load_all

    app: Flask = state.app
    load_all()
    router = app.config.get("WEBHOOK_ROUTER") or default_router
    app.extensions["webhook"] = Webhook(
        app.extensions["settings"], app.extensions["redis"], router, enqueue
    )


def _refuse(exc: Rejected) -> Response:
    log.warning(
        "refused %s %s from %s: %d %s",
        request.method,
        request.path,
        request.remote_addr,
        exc.status,
        exc.reason,
    )
    return Response(f"{exc.reason}\n", exc.status, content_type="text/plain; charset=utf-8")


def _read_body(limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` (never read in full)."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise Rejected(413, f"body of {length} bytes is over the {limit}-byte limit")
        # A declared length is the common case (WeChat sends one): one read, no wrapper.
        body = request.environ["wsgi.input"].read(length)
        if len(body) != length:
            raise Rejected(400, "body shorter than its Content-Length")
        return body
    stream = request.stream
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > limit:
            raise Rejected(413, f"body over the {limit}-byte limit")
        chunks.append(chunk)


@bp.get("")
def verify_url():
    webhook: Webhook = current_app.extensions["webhook"]
    try:
        webhook.verify_query(request.args, time.time())
        echostr = webhook.echo(request.args)
    except Rejected as exc:
        return _refuse(exc)
    return Response(echostr, 200, content_type="text/plain; charset=utf-8")


@bp.post("")
def receive():
    webhook: Webhook = current_app.extensions["webhook"]
    try:
        webhook.verify_query(request.args, time.time())
        body = _read_body(webhook.max_body)
        message, encrypted = webhook.open(request.args, body)
        reply = webhook.respond(message, encrypted)
    except Rejected as exc:
        return _refuse(exc)
    return Response(reply.body, 200, content_type=reply.content_type)
