"""Sign-in limits per account and per client address: Flask-Limiter, counting in Redis.

Each sign-in attempt is counted before its password is checked (an atomic INCR in a fixed window
that starts at the first attempt), so guesses sent in parallel cannot slip past the limit. A
successful sign-in gives back its count: the account's counter is cleared and the address's
counter takes one back, so what remains counted are the failures.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, render_template, request
from flask_limiter import Limiter, RequestLimit

from bot.console import accounts, audit
from bot.redisdb import get_redis

LOOPBACK = {"127.0.0.1", "::1"}
WINDOW_MINUTES = accounts.FAILURE_WINDOW // 60
KEY_PREFIX = "staff:limits"


def client_ip() -> str:
    """The address sign-in limits count: the peer, or what a reverse proxy on this host saw."""
    peer = request.remote_addr or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if peer in LOOPBACK and forwarded:
        # The proxy appends the address it saw last; earlier entries could be made up by a client.
        return forwarded.split(",")[-1].strip() or peer
    return peer


def submitted_name() -> str:
    return request.form.get("name", "").strip().lower()[:40]


def _account_key() -> str:
    return "account:" + submitted_name()


def _address_key() -> str:
    return "address:" + client_ip()


def refused(limit: RequestLimit):
    """The sign-in page again, with one line saying when to retry; the refusal is counted."""
    audit.refused_sign_in(get_redis(), client_ip(), submitted_name())
    wait = max(1, limit.reset_at - int(time.time()))
    minutes = max(1, round(wait / 60))
    flash(f"Too many failed sign-ins. Try again in {minutes} minute(s).", "error")
    g.setdefault("staff", None)
    page = render_template("console/login.html", next=request.form.get("next", ""))
    return current_app.response_class(page, status=429, mimetype="text/html")


def init_app(app: Flask) -> None:
    """Put the limits on this app's sign-in view; they count in the app's own Redis."""
    limiter = Limiter(
        key_func=_address_key,
        app=app,
        storage_uri="redis://",
        # The app's connection pool: the same server, password and Sentinel set-up as the rest.
        storage_options={
            "connection_pool": app.extensions["redis"].connection_pool,
            "key_prefix": KEY_PREFIX,
        },
        strategy="fixed-window",
        headers_enabled=False,
    )
    view = app.view_functions["console.login"]
    per_account = limiter.limit(
        f"{accounts.MAX_FAILURES_ACCOUNT} per {WINDOW_MINUTES} minutes",
        key_func=_account_key,
        methods=["POST"],
        on_breach=refused,
    )
    per_address = limiter.limit(
        f"{accounts.MAX_FAILURES_IP} per {WINDOW_MINUTES} minutes",
        key_func=_address_key,
        methods=["POST"],
        on_breach=refused,
    )
    app.view_functions["console.login"] = per_address(per_account(view))
    app.extensions["signin_limiter"] = limiter


def signed_in() -> None:
    """Give back the counts of a successful sign-in (call it in the sign-in request)."""
    limiter: Limiter = current_app.extensions["signin_limiter"]
    for limit in limiter.current_limits:
        if limit.request_args[0] == _account_key():
            limit.limiter.clear(limit.limit, *limit.request_args)
        else:
            # A negative cost takes one back from the window's counter, which keeps its expiry.
            limit.limiter.hit(limit.limit, *limit.request_args, cost=-1)
