"""`mmsp-bot doctor`: one line per check of the configured WeChat account; exit 0 when all pass."""

from __future__ import annotations

import sys

import click


@click.command("doctor")
def doctor() -> None:
    """Check the configured account: token, IP whitelist, API permissions, menu, quota."""
    from bot import create_app
    from bot.wechat import get_client
    from bot.wechat.doctor import run_checks

    app = create_app()
    settings = app.extensions["settings"]
    if not (settings.WECHAT_APPID and settings.WECHAT_SECRET):
        click.echo("FAIL  account: WECHAT_APPID and WECHAT_SECRET are not set")
        sys.exit(1)
    with app.app_context():
        click.echo(f"account {settings.WECHAT_APPID} at {settings.WECHAT_API_BASE}")
        checks = run_checks(get_client(), app.extensions["redis"])
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    click.echo(f"{len(failed)} problem(s)" if failed else "all checks passed")
    sys.exit(1 if failed else 0)
