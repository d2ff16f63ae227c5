"""The web side of the bot: the application factory."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from flask import Flask

from config import PROJECT_ROOT, Settings, load_settings

_SETTING_NAMES = {f.name for f in fields(Settings)}


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app; overrides may hold settings (by name) and plain Flask config."""
    overrides = dict(overrides or {})
    flask_extra = {k: overrides.pop(k) for k in list(overrides) if k not in _SETTING_NAMES}
    settings = load_settings(overrides=overrides)

    app = Flask(__name__, template_folder=str(PROJECT_ROOT / "templates"))
    app.config.update(settings.as_flask_config())
    app.config.update(flask_extra)
    app.extensions["settings"] = settings

    from bot import logs, redisdb

    logs.init_app(app)
    redisdb.init_app(app)

    from tasks import make_celery

    make_celery(app)

    from bot import health, webhook
    from bot.handlers import load_all

    # The handlers fill the routing table the webhook is built on; the factory wires the parts,
    # so the webhook's wire layer never needs to know which handlers exist.
    load_all()
    app.register_blueprint(health.bp)
    app.register_blueprint(webhook.bp)
    # Blueprints of later parts are registered here, one line each.
    from bot.console import init_app as init_console

    init_console(app)

    from bot.request_tags import RequestTags

    # Outermost, so that every answer (the webhook's fast path included) carries its id.
    app.wsgi_app = RequestTags(app.wsgi_app)
    return app
