"""`mmsp-bot sandbox ...`: serve the local WeChat platform (follower commands join it)."""

from __future__ import annotations

import json
import logging
import signal
import sys
from urllib.parse import urlsplit

import click
from werkzeug.serving import WSGIRequestHandler

from sandbox.follower_cli import FOLLOWER_COMMANDS

DEFAULT_PORT = 8090


class PathOnlyRequestHandler(WSGIRequestHandler):
    """Werkzeug's request log line without the query: WeChat's API takes the AppSecret, the
    access token and openids there, and a follower's call to the webhook its signature."""

    def log_request(self, code: object = "-", size: object = "-") -> None:
        path = urlsplit(self.path).path
        self.log("info", '"%s %s" %s %s', self.command, path, getattr(code, "value", code), size)


@click.group("sandbox", context_settings={"help_option_names": ["-h", "--help"]})
def sandbox() -> None:
    """A local WeChat platform: the official API and followers who message the bot."""


@sandbox.command("serve")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="0 = any free port")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--webhook", default=None, help="URL the followers' messages are delivered to.")
@click.option(
    "--faults",
    default=None,
    metavar="JSON",
    help='Faults for this run, e.g. \'{"busy": 0.1, "slow": 0.05, "seed": 1}\'.',
)
@click.option(
    "--delivery-mode",
    type=click.Choice(["plain", "compatible", "safe"]),
    default=None,
    help="How deliveries to the webhook are encrypted (safe: as WeChat recommends).",
)
def serve(
    port: int, host: str, webhook: str | None, faults: str | None, delivery_mode: str | None
) -> None:
    """Serve the sandbox until stopped (Ctrl-C)."""
    from werkzeug.serving import make_server

    from sandbox import faults as fault_settings
    from sandbox import jobs
    from sandbox.app import create_sandbox_app
    from sandbox.settings import SandboxSettingsError, read_settings
    from sandbox.state import key

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = read_settings()
    except SandboxSettingsError as exc:
        # Both `mmsp-sandbox` and `mmsp-bot sandbox` end here: one line, the bot's exit status.
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    app = create_sandbox_app(settings)
    st = app.extensions["sandbox"]
    if webhook is not None:
        st.update_config({"webhook_url": webhook})
    if delivery_mode is not None:
        st.update_config({"delivery_mode": delivery_mode})
    if faults is not None:
        try:
            fault_settings.save(st, json.loads(faults))
        except (ValueError, fault_settings.FaultError) as exc:
            raise click.BadParameter(str(exc), param_hint="--faults") from None
    try:
        server = make_server(host, port, app, threaded=True, request_handler=PathOnlyRequestHandler)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    url = f"http://{host}:{server.server_port}"
    app.config["SANDBOX_PUBLIC_URL"] = url
    st.public_base = url
    st.r.set(key("public_url"), url)
    if app.config["SANDBOX_ACCOUNT_GENERATED"]:
        account = st.account
        click.echo("sandbox: no WeChat account in the settings; using this generated one:")
        click.echo(f"  WECHAT_APPID={account.appid}")
        click.echo(f"  WECHAT_SECRET={account.secret}")
        click.echo(f"  WECHAT_TOKEN={account.token}")
        click.echo(f"  WECHAT_AES_KEY={account.aes_key}")
    click.echo(f"sandbox: WECHAT_API_BASE={url}/cgi-bin/ (control: {url}/sandbox/control/)")
    webhook_url = st.config()["webhook_url"]
    click.echo(f"sandbox: webhook {webhook_url or '(none yet)'}")
    # SIGTERM ends serve_forever like Ctrl-C, so the job thread stops cleanly.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ticker = jobs.start_ticker(st)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        ticker.stop()
        server.server_close()


# The follower side: say, click, view, follow, unfollow, inbox (sandbox/follower_cli.py).
for _command in FOLLOWER_COMMANDS:
    sandbox.add_command(_command)


def main() -> None:
    """`mmsp-sandbox`: the same commands as `mmsp-bot sandbox`, without the bot's CLI."""
    sandbox(prog_name="mmsp-sandbox", standalone_mode=True)


if __name__ == "__main__":
    main()
