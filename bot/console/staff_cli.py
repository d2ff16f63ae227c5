"""`mmsp-bot staff ...`: create, list and remove the console's staff accounts."""

from __future__ import annotations

import sys

import click

from bot.console import accounts


def _redis():
    from bot.redisdb import connect
    from config import load_settings

    return connect(load_settings().REDIS_URL)


def _audit(r, action: str, detail: str) -> None:
    from bot.console import audit
    from config import load_settings

    audit.record(r, "cli", action, detail, keep_days=load_settings().AUDIT_RETENTION_DAYS)


@click.group()
def staff() -> None:
    """Staff accounts of the console."""


@staff.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), default="editor", show_default=True)
@click.option("--openid", default="", help="WeChat openid that receives this person's previews.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def add(name: str, role: str, openid: str, password_stdin: bool) -> None:
    """Create an account NAME (or set a new password and role for it)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    r = _redis()
    existed = accounts.get_staff(r, name) is not None
    try:
        account = accounts.create_staff(r, name, password, role)
        if openid:
            accounts.set_openid(r, name, openid)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    _audit(r, "updated account" if existed else "created account", f"{name} ({role})")
    click.echo(f"{'updated' if existed else 'created'} {account.name} ({account.role})")


@staff.command("list")
def list_() -> None:
    """List the accounts with their roles."""
    for account in accounts.list_staff(_redis()):
        click.echo(f"{account.name}\t{account.role}\t{account.openid or '-'}")


@staff.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Remove an account and end its sessions."""
    r = _redis()
    if not accounts.remove_staff(r, name):
        raise click.ClickException(f"no staff account named {name!r}")
    _audit(r, "removed account", name)
    click.echo(f"removed {name}")
