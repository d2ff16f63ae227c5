"""The console's guards: who may reach each route, CSRF tokens, cookies and security headers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from bot.console import accounts
from bot.redisdb import get_redis

log = logging.getLogger(__name__)

# Flask-WTF checks the token, Flask-Login loads the signed-in staff member; the order of the
# checks stays ours (guard below): session, then role, then the CSRF token.
csrf = CSRFProtect()
login_manager = LoginManager()

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The largest console request: an issue's PDF (10 MB) and the form around it.
MAX_REQUEST_BYTES = 11 * 1024 * 1024

# Console pages load only their own script and stylesheet; nothing may frame them.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'"
)
# A rendered article carries inline styles (WeChat needs them) and is framed by the preview page.
ARTICLE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https:; "
    "font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def access(role: str) -> Callable:
    """Declare the least role a console view needs ("anonymous", "editor" or "publisher")."""
    if role not in accounts.RANK:
        raise ValueError(f"unknown role {role!r}")

    def mark(view: Callable) -> Callable:
        view.console_access = role
        return view

    return mark


def required_role(endpoint: str | None) -> str | None:
    """The role a console endpoint declares; None (refused to all) when it declares none."""
    if endpoint == "console.static":
        return "anonymous"
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "console_access", None)


def csrf_token() -> str:
    """This session's CSRF token (Flask-WTF: a signed copy of a random value in the session)."""
    return generate_csrf()


@login_manager.user_loader
def load_staff(sid: str) -> accounts.Staff | None:
    """The staff member of a server-side session id (ended sessions load nobody)."""
    return accounts.session_staff(get_redis(), sid)


def safe_next(target: str | None) -> str:
    """A local console path to return to after sign-in; anything else goes to the start page.

    Control characters and whitespace are refused outright: CR/LF would split the Location
    header, and browsers drop tabs and newlines from URLs, which can turn a path into `//host`.
    """
    if target and target.isprintable() and not any(c.isspace() or c == "\\" for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/"):
            return target
    return url_for("console.issues")


def guard():
    """Before every console request: a session, then the role, then the CSRF token."""
    if not current_app.secret_key:
        # Said here, not at start-up: the CLI builds the app too and has no console to serve.
        log.warning("staff console: SECRET_KEY is not set, so every console page answers 503")
        abort(503, "The console is off: SECRET_KEY is not set.")
    needed = required_role(request.endpoint)
    if needed is None:
        abort(403, "This page declares no access rule, so it is closed.")
    g.staff = current_user._get_current_object() if current_user.is_authenticated else None
    if needed != "anonymous":
        if g.staff is None:
            if request.method in UNSAFE_METHODS:
                abort(401, "Your session has ended; sign in again.")
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
        if not g.staff.can(needed):
            abort(403, f"Only a {needed} may do this.")
    # Bounds what a form post may make the server read (and spool to disk) before it is refused.
    request.max_content_length = MAX_REQUEST_BYTES
    if request.method in UNSAFE_METHODS:
        try:
            csrf.protect()
        except CSRFError:
            abort(400, "The form has expired or did not come from this console; reload and retry.")
    return None


def add_headers(response):
    """Security headers on every response under /console (errors and unknown pages too)."""
    if not request.path.startswith("/console"):
        return response
    framed = request.endpoint == "console.article_frame"
    response.headers.setdefault("Content-Security-Policy", ARTICLE_CSP if framed else PAGE_CSP)
    response.headers["X-Frame-Options"] = "SAMEORIGIN" if framed else "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


class ConsoleSessionInterface(SecureCookieSessionInterface):
    """Signed cookie sessions whose cookie is Secure whenever the request came over https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_NAME"] = "mmsp_console"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_PATH"] = "/console"
    app.session_interface = ConsoleSessionInterface()
    app.after_request(add_headers)
    # Checked in guard(), after the session and role, so that the answers stay the same.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # The token lives as long as the session (8 hours of inactivity), not one hour.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    csrf.init_app(app)
    login_manager.init_app(app)
