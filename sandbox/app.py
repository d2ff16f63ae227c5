"""The sandbox's Flask app: the platform API, its control endpoints, files and article pages."""

from __future__ import annotations

import json
import logging

import redis
from flask import Flask, Response, request

from sandbox.settings import SandboxSettings, read_settings
from sandbox.state import Account, SandboxState, key

log = logging.getLogger(__name__)


def resolve_account(settings: SandboxSettings, redis_url: str) -> tuple[Account, bool]:
    """The settings' account; missing values come from the last generated account, or a new one."""
    given = settings.account
    if all(given.values()):
        return Account(**given), False
    r = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
    try:
        stored = r.hgetall(key("account"))
        fallback = Account(**stored) if stored else Account.generate()
        account = Account(**{k: v or getattr(fallback, k) for k, v in given.items()})
        r.hset(key("account"), mapping={k: getattr(fallback, k) for k in given})
    finally:
        r.close()
    return account, True


def create_sandbox_app(settings: SandboxSettings | None = None) -> Flask:
    """Build the sandbox for the account in the settings (read from the environment if none)."""
    settings = settings or read_settings()
    account, generated = resolve_account(settings, settings.redis_url)
    app = Flask(__name__)
    app.config.update(
        SANDBOX_ACCOUNT_GENERATED=generated,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
    )
    app.extensions["sandbox"] = SandboxState(settings.redis_url, account)

    from sandbox import control, local_only, pages, web
    from sandbox.api import BLUEPRINTS

    app.before_request(local_only.refuse_foreign)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(control.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(web.bp)  # the follower side: chat page and platform view

    @app.errorhandler(404)
    @app.errorhandler(405)
    def _not_found(exc):
        # Unknown WeChat APIs answer like WeChat; other pages get a plain 404.
        if request.path.startswith(("/cgi-bin/", "/datacube/", "/customservice/")):
            body = {"errcode": 40066, "errmsg": "invalid url"}
            return Response(json.dumps(body), mimetype="application/json")
        return Response("not found\n", status=exc.code, mimetype="text/plain")

    return app
