"""POST /wechat answered as plain WSGI, before Flask builds a request (the webhook's hot path).

Every push from WeChat is a POST to one path: it needs no URL routing, session, form parsing
or response object, so the middleware reads the query and the body straight from the environ
and answers with the bytes. Every other request (the GET URL check included) goes on to Flask
unchanged; handlers still run inside the app context, as current_app needs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" decoding error handler
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_content_length, get_input_stream

from bot.request_tags import request_id
from bot.webhook.endpoint import Rejected, Webhook, where

log = logging.getLogger("bot.webhook")

_CHUNK = 64 * 1024
TEXT = "text/plain; charset=utf-8"


def query_args(query_string: str) -> dict[str, str]:
    """The query's parameters (first value of each), decoded exactly as Flask's request.args."""
    args: dict[str, str] = {}
    if not query_string:
        return args
    try:
        # The server hands the query over as latin-1; its bytes are meant as UTF-8.
        text = query_string.encode("latin-1").decode()
    except UnicodeError:
        raise Rejected(400, "query string is not UTF-8") from None
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "+" in name or "%" in name:
            name = unquote(name.replace("+", " "), errors="werkzeug.url_quote")
        if "+" in value or "%" in value:
            value = unquote(value.replace("+", " "), errors="werkzeug.url_quote")
        args.setdefault(name, value)
    return args


def read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes `limit` (never read in full)."""
    length = get_content_length(environ)
    if length is not None:
        if length > limit:
            raise Rejected(413, f"body of {length} bytes is over the {limit}-byte limit")
        # A declared length is the common case (WeChat sends one): one read, no wrapper.
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            raise Rejected(400, "body shorter than its Content-Length")
        return body
    # Chunked (the server ends the stream) or no length at all (an empty stream, as in Flask).
    stream = get_input_stream(environ)
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


def answer_post(app: Any, webhook: Webhook, environ: dict[str, Any]) -> tuple[int, str, str]:
    """Status, content type and body of the answer to one POST /wechat."""
    try:
        args = query_args(environ.get("QUERY_STRING", ""))
        webhook.verify_query(args, time.time())
        body = read_body(environ, webhook.max_body)
        message, crypto = webhook.open(args, body)
        with app.app_context():
            reply = webhook.respond(message, crypto)
    except Rejected as exc:
        log.warning(
            "refused POST %s from %s: %d %s (request %s)",
            environ.get("PATH_INFO", ""),
            environ.get("REMOTE_ADDR"),
            exc.status,
            exc.reason,
            request_id(environ),
        )
        return exc.status, TEXT, f"{exc.reason}\n"
    except Exception as exc:  # one line, no trace; WeChat retries a 500
        path, rid = environ.get("PATH_INFO", ""), request_id(environ)
        log.error("POST %s failed: %s (request %s)", path, where(exc), rid)
        return 500, TEXT, "internal error\n"
    return 200, reply.content_type, reply.body


class WebhookMiddleware:
    """Answers POST `path` itself and passes every other request on to the wrapped app."""

    def __init__(self, app: Any, webhook: Webhook, path: str) -> None:
        self.app = app
        self.webhook = webhook
        self.path = path
        self.next: Callable[..., Iterable[bytes]] = app.wsgi_app
        self._status = {code: f"{code} {HTTP_STATUS_CODES[code].upper()}" for code in (200,)}

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != self.path or environ.get("REQUEST_METHOD") != "POST":
            return self.next(environ, start_response)
        code, content_type, text = answer_post(self.app, self.webhook, environ)
        status = self._status.get(code) or f"{code} {HTTP_STATUS_CODES.get(code, '').upper()}"
        data = text.encode()
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
        return [data]
