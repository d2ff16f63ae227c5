"""`mmsp-bot`: the one command people use; each part attaches its commands in _register().

Packages that ship beside the bot (the sandbox) add their command groups through the entry-point
group `mmsp_bot.commands` of their package metadata, so the bot never imports them by name.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import click

from config import SettingsError

PLUGIN_GROUP = "mmsp_bot.commands"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The WeChat publishing bot of the MMSP II newsletter."""


def _register() -> None:
    """Attach the command groups of each part (imported here to keep start-up light)."""
    from bot.console.staff_cli import staff
    from bot.followers.menu_cli import menu
    from bot.newsletter.issue_cli import register as register_newsletter
    from bot.publishing.push_cli import register as register_publishing
    from bot.run.command import run
    from bot.wechat.doctor_cli import doctor

    for group in (run, menu, staff, doctor):
        cli.add_command(group)
    for plugin in entry_points(group=PLUGIN_GROUP):
        cli.add_command(plugin.load(), plugin.name)
    register_newsletter(cli)  # ingest, render
    register_publishing(cli)  # push, schedules, status


def _redis_url() -> str:
    from bot.run.plan import hide_password
    from config import load_settings

    try:
        return hide_password(load_settings().REDIS_URL)
    except (SettingsError, ValueError):
        return "REDIS_URL"


def main() -> None:
    import redis
    from kombu.exceptions import OperationalError

    from bot.logs import quiet_libraries

    quiet_libraries()
    _register()
    try:
        cli(standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except (redis.ConnectionError, redis.TimeoutError, OperationalError) as exc:
        # Any command, whichever call met it first: one line instead of a traceback.
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"error: Redis at {_redis_url()} does not answer: {detail}", err=True)
        sys.exit(1)
