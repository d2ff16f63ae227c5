"""`mmsp-bot`: the one command people use. Each part adds its commands with one line below."""

from __future__ import annotations

import sys

import click

from config import SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """The WeChat publishing bot of the MMSP II newsletter."""


def _register() -> None:
    """Attach the command groups of each part (imported here to keep start-up light)."""
    # e.g. from bot.newsletter.cli import ingest; cli.add_command(ingest)
    from sandbox.cli import sandbox; cli.add_command(sandbox)  # noqa: E702, I001
    from bot.run.command import run; cli.add_command(run)  # noqa: E702, I001
    from bot.followers.menu_cli import menu; cli.add_command(menu)  # noqa: E702, I001
    from bot.publishing.cli import register as publishing; publishing(cli)  # noqa: E702, I001
    from bot.newsletter.cli import register as newsletter; newsletter(cli)  # noqa: E702, I001
    from bot.console.cli import staff

    cli.add_command(staff)


def main() -> None:
    _register()
    try:
        cli(standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
