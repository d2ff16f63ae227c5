"""`mmsp-bot menu check|show|sync`: the menu file against WeChat's rules and what WeChat has."""

from __future__ import annotations

import sys

import click

from bot.followers import menu as menu_file


def _load_checked(path: str | None) -> dict:
    try:
        wanted = menu_file.load(path)
    except menu_file.MenuError as exc:
        raise click.ClickException(str(exc)) from None
    errors, warnings = menu_file.check(wanted)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if errors:
        for error in errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"the menu breaks {len(errors)} of WeChat's rules; not sent")
    return wanted


def _client():
    from bot import create_app
    from bot.wechat import get_client

    app = create_app()
    ctx = app.app_context()
    ctx.push()
    return get_client()


def _current(client) -> dict | None:
    from bot.wechat import WeChatAPIError

    try:
        current = client.menu.get()
    except WeChatAPIError as exc:
        raise click.ClickException(f"could not read the menu from WeChat: {exc}") from None
    # menu/get answers {"menu": {...}} (and a conditional menu list we do not manage).
    return (current or {}).get("menu") if current else None


@click.group("menu")
def menu() -> None:
    """The account's menu (config/menu.json)."""


@menu.command("check")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Another menu file.")
def check_command(path: str | None) -> None:
    """Check the menu file against WeChat's limits and list it."""
    wanted = _load_checked(path)
    click.echo("\n".join(menu_file.describe(wanted)))
    click.echo("ok: the menu follows WeChat's rules")


@menu.command("show")
def show_command() -> None:
    """Show the menu WeChat has now."""
    click.echo("\n".join(menu_file.describe(_current(_client()))))


@menu.command("sync")
@click.option("--file", "path", type=click.Path(dir_okay=False), help="Another menu file.")
@click.option("--yes", is_flag=True, help="Push without asking.")
def sync_command(path: str | None, yes: bool) -> None:
    """Show how WeChat's menu differs from the file, then push the file with menu/create."""
    from bot.wechat import WeChatAPIError

    wanted = _load_checked(path)
    client = _client()
    changes = menu_file.diff(_current(client), wanted)
    if not changes:
        click.echo("WeChat already has this menu; nothing to do.")
        return
    click.echo("\n".join(changes))
    if not yes:
        if not sys.stdin.isatty():
            raise click.ClickException("not a terminal: pass --yes to push without asking")
        click.confirm("Push this menu to WeChat?", abort=True)
    try:
        client.menu.create(wanted)
    except WeChatAPIError as exc:
        raise click.ClickException(f"WeChat refused the menu: {exc}") from None
    click.echo("Menu pushed. Phones pick it up within about 5 minutes.")
