"""GET and POST /wechat: the thin HTTP side of the webhook (see endpoint.py for the steps)."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Flask, Response, current_app, request

from bot.jobs import enqueue
from bot.request_tags import request_id
from bot.webhook.endpoint import Rejected, Webhook
from bot.webhook.router import router as default_router
from bot.webhook.wsgi import WebhookMiddleware, answer_post

log = logging.getLogger("bot.webhook")

bp = Blueprint("webhook", __name__, url_prefix="/wechat")


@bp.record_once
def _build(state) -> None:
    """Build the webhook once per app; config WEBHOOK_ROUTER may supply another routing table."""
    app: Flask = state.app
    router = app.config.get("WEBHOOK_ROUTER") or default_router
    webhook = Webhook(app.extensions["settings"], app.extensions["redis"], router, enqueue)
    app.extensions["webhook"] = webhook
    # WeChat's pushes skip Flask's request machinery (see wsgi.py); the route below stays for
    # anything that reaches Flask anyway (and keeps the method list of /wechat's 405s).
    app.wsgi_app = WebhookMiddleware(app, webhook, "/wechat")


@bp.get("")
def verify_url():
    webhook: Webhook = current_app.extensions["webhook"]
    try:
        webhook.verify_query(request.args, time.time())
        echostr = webhook.echo(request.args)
    except Rejected as exc:
        log.warning(
            "refused %s %s from %s: %d %s (request %s)",
            request.method,
            request.path,
            request.remote_addr,
            exc.status,
            exc.reason,
            request_id(request.environ),
        )
        return Response(f"{exc.reason}\n", exc.status, content_type="text/plain; charset=utf-8")
    return Response(echostr, 200, content_type="text/plain; charset=utf-8")


@bp.post("")
def receive():
    status, content_type, body = answer_post(
        current_app._get_current_object(), current_app.extensions["webhook"], request.environ
    )
    return Response(body, status, content_type=content_type)
