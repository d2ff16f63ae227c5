"""`mmsp-bot sandbox say|image|voice|location|click|view|read|follow|unfollow|inbox`: a follower's
side, over HTTP."""

from __future__ import annotations

import os
import time
from typing import Any

import click
import requests

DEFAULT_URL = "http://127.0.0.1:8090"
# A reply that comes later through the customer-service API (the bot answered `success` first).
DEFAULT_WAIT = 8.0


def sandbox_url() -> str:
    """SANDBOX_URL, or the address `mmsp-bot run` recorded in var/sandbox.json, or the default."""
    url = os.environ.get("SANDBOX_URL", "").strip()
    if not url:
        from sandbox.settings import SANDBOX_FILE, read_state_file

        url = str(read_state_file(SANDBOX_FILE).get("url", "")).strip()
    return (url or DEFAULT_URL).rstrip("/")


def _call(method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    base = sandbox_url()
    try:
        response = requests.request(method, f"{base}/sandbox/{path}", timeout=60, **kwargs)
    except requests.RequestException:
        raise click.ClickException(
            f"no sandbox answers at {base} (start `mmsp-bot sandbox serve` or `mmsp-bot run`, "
            "or set SANDBOX_URL)"
        ) from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 400:
        message = data.get("error") or f"HTTP {response.status_code}"
        raise click.ClickException(message)
    return data


def format_entry(entry: dict[str, Any], name: str) -> str:
    """One chat entry as readable lines: who, then the text, or a card's title, digest and URL."""
    sender = entry.get("sender")
    kind = entry.get("type")
    if sender == "follower":
        said = entry.get("content") if kind == "text" else f"({entry.get('label', kind)})"
        return f"{name}: {said}"
    if sender == "sandbox":
        if kind == "error":
            return f"(delivery error: {entry.get('error', '')})"
        if entry.get("answer") == "success":
            return "(no reply: the bot answered success)"
        return "(no reply)"
    via = "" if entry.get("via") == "reply" else f" [{entry.get('via')}]"
    if kind == "text":
        return f"bot{via}: " + str(entry.get("content", "")).replace("\n", "\n     ")
    if kind == "news":
        lines = []
        for article in entry.get("articles", []):
            lines.append(f"bot{via}: ▣ {article.get('title', '')}")
            if article.get("description"):
                lines.append(f"       {article['description']}")
            if article.get("url"):
                lines.append(f"       {article['url']}")
        return "\n".join(lines)
    what = entry.get("media_id") or entry.get("url") or entry.get("content") or ""
    return f"bot{via}: [{kind}] {what}".rstrip()


def _show_result(result: dict[str, Any], name: str, wait: float) -> None:
    """Print the replies of one action; wait a little for a reply sent later, when none came."""
    replies = result.get("replies", [])
    answered = any(entry.get("sender") == "account" for entry in replies)
    if not answered and result["delivery"]["status"] == "no_reply" and wait > 0:
        replies += _wait_for_reply(name, result["sent"]["id"], replies, wait)
    for entry in replies:
        click.echo(format_entry(entry, name))
    if not replies:
        click.echo("(no reply)")


def _wait_for_reply(name: str, after: int, seen: list[dict], wait: float) -> list[dict]:
    seen_ids = {entry["id"] for entry in seen}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(0.3)
        entries = _call("GET", f"followers/{name}/inbox", params={"after": after})["inbox"]
        later = [e for e in entries if e["id"] not in seen_ids]
        if any(e.get("sender") == "account" for e in later):
            return later
    return []


_as = click.option("--as", "name", required=True, metavar="NAME", help="The follower, e.g. alice.")
_wait = click.option(
    "--wait",
    type=float,
    default=DEFAULT_WAIT,
    show_default=True,
    help="Seconds to wait for a later (customer-service) reply when the bot answers `success`.",
)


def _action(command: str, field: str, help_text: str) -> click.Command:
    """A command that posts one follower action with one argument and prints the answer."""

    @click.command(command, help=help_text)
    @click.argument(field)
    @_as
    @_wait
    def send(name: str, wait: float, **argument: str) -> None:
        _show_result(_call("POST", f"followers/{name}/{command}", json=argument), name, wait)

    return send


say = _action("say", "text", "Send TEXT to the account as a follower and print the bot's answer.")
click_button = _action(
    "click",
    "key",
    "Tap the menu button with KEY (a `click` button of menu/get) and print the answer.",
)
scan = _action(
    "scan",
    "scene",
    "Scan a QR code: SCENE is its ticket or the URL its image encodes (from qrcode/create), "
    "or a bare scene value. Subscribes NAME if not yet a follower.",
)


@click.command("image")
@click.option("--url", default="", help="The picture's URL (else one of the sandbox's).")
@_as
@_wait
def image(url: str, name: str, wait: float) -> None:
    """Send a picture as NAME and print the bot's answer."""
    _show_result(_call("POST", f"followers/{name}/image", json={"url": url}), name, wait)


@click.command("voice")
@click.argument("recognition", default="")
@_as
@_wait
def voice(recognition: str, name: str, wait: float) -> None:
    """Send a voice message whose speech WeChat recognised as RECOGNITION (empty: not
    recognised) and print the bot's answer."""
    body = {"recognition": recognition}
    _show_result(_call("POST", f"followers/{name}/voice", json=body), name, wait)


@click.command("location")
@click.argument("label")
@click.option("--lat", "latitude", type=float, default=0.0, help="Latitude (Location_X).")
@click.option("--lng", "longitude", type=float, default=0.0, help="Longitude (Location_Y).")
@_as
@_wait
def location(label: str, latitude: float, longitude: float, name: str, wait: float) -> None:
    """Share a location named LABEL as NAME and print the bot's answer."""
    body = {"label": label, "latitude": latitude, "longitude": longitude}
    _show_result(_call("POST", f"followers/{name}/location", json=body), name, wait)


@click.command("view")
@click.argument("url")
@_as
def view(url: str, name: str) -> None:
    """Tap the menu's `view` button with URL (WeChat shows no reply to it)."""
    result = _call("POST", f"followers/{name}/view", json={"url": url})
    click.echo(f"{name} opened {url} (delivery: {result['delivery']['status']})")


@click.command("read")
@click.argument("url")
@_as
@click.option(
    "--share",
    "share",
    flag_value="friend",
    default="",
    help="Share the article with a friend too (counted by getusershare and the article APIs).",
)
@click.option(
    "--share-to",
    "share",
    type=click.Choice(["friend", "moments", "other"]),
    help="Share the article to this scene instead.",
)
def read(url: str, name: str, share: str) -> None:
    """Open the published article at URL as NAME (a read in WeChat's statistics)."""
    result = _call("POST", f"followers/{name}/read", json={"url": url, "share": share or ""})
    shared = f" and shared it ({share})" if share else ""
    where = f"article {result['idx']} of {result['article_id']}"
    click.echo(f"{name} read {where}{shared} on {result['day']} (Beijing)")


@click.command("follow")
@click.argument("name")
@click.option("--language", default="zh_CN", show_default=True, help="zh_CN, zh_TW or en.")
@click.option("--scene", default="", help="Follow through a parametric QR code with this scene.")
@_wait
def follow(name: str, language: str, scene: str, wait: float) -> None:
    """Follow the account as NAME (a new follower is made) and print the welcome."""
    payload = {"language": language, "scene": scene}
    result = _call("POST", f"followers/{name}/follow", json=payload)
    click.echo(f"{name} follows the account (openid {result['openid']})")
    _show_result(result, name, wait)


@click.command("unfollow")
@click.argument("name")
def unfollow(name: str) -> None:
    """Unfollow the account as NAME."""
    result = _call("POST", f"followers/{name}/unfollow")
    click.echo(f"{name} no longer follows the account (delivery: {result['delivery']['status']})")


@click.command("inbox")
@click.argument("name")
@click.option("--last", type=int, default=0, help="Only the last N entries.")
def inbox(name: str, last: int) -> None:
    """Print NAME's chat with the account: messages, replies, mass sends, service messages."""
    data = _call("GET", f"followers/{name}/inbox")
    entries = data["inbox"][-last:] if last > 0 else data["inbox"]
    if not entries:
        click.echo(f"{name}'s inbox is empty")
    for entry in entries:
        stamp = time.strftime("%m-%d %H:%M", time.localtime(entry.get("at", 0)))
        click.echo(f"[{stamp}] {format_entry(entry, name)}")


FOLLOWER_COMMANDS = (
    say,
    image,
    voice,
    location,
    click_button,
    view,
    read,
    follow,
    scan,
    unfollow,
    inbox,
)
