"""The staff console: a blueprint under /console where staff import, preview and push issues."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from bot.console import security

log = logging.getLogger(__name__)

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    static_folder="static",
    static_url_path="/static",
)
bp.before_request(security.guard)


@bp.app_template_filter("when")
def format_when(ts: float | str | None) -> str:
    """A Unix time (or ISO text) as 'YYYY-MM-DD HH:MM' in the bot's time zone."""
    if ts in (None, ""):
        return "–"
    tz = current_app.extensions["settings"].tz
    try:
        moment = datetime.fromtimestamp(float(ts), tz)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(str(ts)).astimezone(tz)
        except ValueError:
            return str(ts)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def zone_label() -> str:
    """How pages name the time zone of schedules: "Beijing time" for China's zone."""
    name = current_app.extensions["settings"].TIMEZONE
    return "Beijing time" if name in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else name


@bp.context_processor
def console_globals() -> dict:
    settings = current_app.extensions["settings"]
    offset = datetime.now(settings.tz).utcoffset()
    return {
        "csrf_token": security.csrf_token,
        "staff": g.get("staff"),
        "timezone": settings.TIMEZONE,
        "zone_label": zone_label(),
        # The small script shows staff their own local time beside times in this zone.
        "tz_offset_minutes": int(offset.total_seconds() // 60) if offset else 0,
    }


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Refusals and errors as a short console page (JSON for the status poller), never a trace."""
    if exc.response is not None:  # a refusal that brings its own page (too many sign-ins)
        return exc.response
    if request.accept_mimetypes.best == "application/json":
        return {"error": exc.description}, exc.code
    return render_template("console/error.html", error=exc), exc.code


def init_app(app: Flask) -> None:
    """Serve the console under /console unless CONSOLE_ENABLED is off."""
    if not app.config.get("CONSOLE_ENABLED", True):
        log.info("staff console is switched off (CONSOLE_ENABLED=false)")
        return
    # Importing the view modules registers their routes on bp.
    from bot.console import (  # noqa: F401
        auth_views,
        event_code_views,
        follower_views,
        issue_views,
        message_views,
        push_views,
        stats_views,
    )

    security.init_app(app)
    app.register_blueprint(bp)
    from bot.console import signin_limits

    signin_limits.init_app(app)
