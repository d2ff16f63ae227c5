"""`mmsp-bot run`: the whole bot in one command, with nothing configured or against real WeChat."""

from __future__ import annotations

import os
import secrets
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import click

from bot.run.plan import Plan, RunError, decide, hide_password
from bot.run.stack import Interrupted, Stack, StopFlag
from config import PROJECT_ROOT, local_state

SAMPLE_ISSUE = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
DEMO_STAFF = "demo"
DEMO_FOLLOWER = "alice"


# Set by Ctrl-C, SIGTERM or a closed terminal. The handler only sets it: an exception raised
# from a signal handler can land in a __del__ or a callback, where Python drops it.
_stopping = StopFlag()


def _on_signal(signum, frame):
    _stopping.set(signal.Signals(signum).name)


def _say(line: str = "") -> None:
    click.echo(line)


def _relative(path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def _announce(plan: Plan) -> None:
    if plan.redis_url:
        _say(f"Redis: {hide_password(plan.redis_url)} (REDIS_URL)")
    else:
        data = _relative(plan.var / "redis")
        _say(f"Redis: embedded, data in {data} (set REDIS_URL to use your own)")
    if plan.sandbox:
        _say(
            f"WeChat: the sandbox on port {plan.sandbox_port}, a local account kept in "
            f"{_relative(plan.var / 'wechat.json')} (set WECHAT_APPID, WECHAT_SECRET and "
            "WECHAT_TOKEN to use WeChat itself)"
        )
    else:
        appid = plan.env_appid or "?"
        _say(f"WeChat: the real platform, account {appid} (WECHAT_APPID is set); no sandbox")


def _demo_step(stack: Stack, args: tuple[str, ...], note: str, stdin: str | None = None) -> str:
    """One `mmsp-bot` step of the demo; a failure becomes a warning (the bot runs without it)."""
    try:
        stack.run_command(*args, stdin=stdin)
    except RunError as exc:
        return "" if "already follows" in str(exc) else f"warning: {exc}"
    return note


def _ingest_sample(stack: Stack) -> str:
    if not (stack.plan.sandbox and SAMPLE_ISSUE.exists()):
        return ""
    try:
        if _any_issue(stack.redis_url):
            return ""
    except Exception as exc:  # the content part's store, whatever it raises: say it, go on
        return f"warning: cannot tell whether an issue exists ({type(exc).__name__}: {exc})"
    return _demo_step(
        stack, ("ingest", str(SAMPLE_ISSUE)), f"sample issue: {_relative(SAMPLE_ISSUE)}"
    )


def _start(stack: Stack) -> tuple[list[str], tuple[str, str] | None]:
    """Start everything; the demo steps run beside the start-up as soon as what they need is up."""
    sandbox = stack.plan.sandbox
    pool = ThreadPoolExecutor(max_workers=4)
    try:
        stack.start_redis()
        steps = [pool.submit(_ingest_sample, stack)]
        login = pool.submit(_staff_login, stack)
        stack.spawn_children()
        stack.wait_sandbox()
        if sandbox:
            menu = ("menu", "sync", "--yes")
            steps.append(pool.submit(_demo_step, stack, menu, "menu: synced to the sandbox"))
        stack.wait_web()
        if sandbox:
            follow = ("sandbox", "follow", DEMO_FOLLOWER, "--language", "en", "--wait", "0")
            note = f"{DEMO_FOLLOWER} follows the account in the sandbox"
            steps.append(pool.submit(_demo_step, stack, follow, note))
        stack.wait_background_ready()
        while not all(future.done() for future in [*steps, login]):
            if stack.stopping.wait(0.1):
                raise Interrupted()
        notes = [note for note in (step.result() for step in steps) if note]
        return notes, login.result()
    finally:
        # On a failure or Ctrl-C, do not wait here for steps still running (they end on their own).
        pool.shutdown(wait=False, cancel_futures=True)


def _any_issue(redis_url: str) -> bool:
    from bot.newsletter import store
    from bot.redisdb import connect

    client = connect(redis_url)
    try:
        return store.latest_number(client) is not None
    finally:
        client.close()


def _demo_password(stack: Stack) -> str:
    """The demo account's password: generated on the first run, then kept in var/ (mode 0600)."""
    path = stack.plan.var / local_state.DEMO_FILE
    password = local_state.read_json(path).get("password")
    if isinstance(password, str) and len(password) >= 10:
        return password
    password = secrets.token_urlsafe(12)
    local_state.write_json(path, {"name": DEMO_STAFF, "password": password}, private=True)
    return password


def _demo_account_has(redis_url: str, password: str) -> bool:
    from bot.console import accounts
    from bot.redisdb import connect

    client = connect(redis_url)
    try:
        staff = accounts.check_password(client, DEMO_STAFF, password)
        return staff is not None and staff.role == "publisher"
    finally:
        client.close()


def _staff_login(stack: Stack) -> tuple[str, str] | None:
    """The demo staff account (sandbox runs only), with the password kept in var/."""
    if not stack.plan.sandbox:
        return None
    password = _demo_password(stack)
    try:
        # Already there (a restart): leave it, so that its open sessions stay signed in.
        if _demo_account_has(stack.redis_url, password):
            return DEMO_STAFF, password
    except Exception:  # whatever the check raises, `staff add` below says it in one line
        pass
    args = ("staff", "add", DEMO_STAFF, "--role", "publisher", "--password-stdin")
    if _demo_step(stack, args, "ok", stdin=password + "\n") != "ok":
        return None
    return DEMO_STAFF, password


def _print_ready(stack: Stack, seconds: float, notes: list[str], login) -> None:
    plan = stack.plan
    for note in notes:
        _say(note)
    _say(f"ready in {seconds:.1f} s")
    if plan.sandbox:
        _say(f"  chat page      {plan.sandbox_url}/sandbox/chat/{DEMO_FOLLOWER}")
        _say(f"  platform view  {plan.sandbox_url}/sandbox/platform")
    console = f"  staff console  {plan.web_url}/console/"
    if login:
        console += f"  (login {login[0]}, password {login[1]})"
    _say(console)
    _say(f"  webhook        {plan.web_url}/wechat")
    _say(f"  logs           {_relative(stack.logs)}/")
    if plan.sandbox:
        _say("try this, in another terminal of the project (source .venv/bin/activate):")
        _say(f"  mmsp-bot sandbox say latest --as {DEMO_FOLLOWER}")
        _say(f"  mmsp-bot sandbox say help --as {DEMO_FOLLOWER}")
        _say("  mmsp-bot sandbox follow bob --language zh_CN")
        _say("  or type in the chat page; sign in to the console to import and push an issue")
    _say("Ctrl-C stops everything.")


@click.command("run")
@click.option("--port", type=int, default=8000, show_default=True, help="Web app port.")
@click.option(
    "--host", default=None, help="Web app address [127.0.0.1 with the sandbox, else 0.0.0.0]."
)
def run(port: int, host: str | None) -> None:
    """Run the bot: web app on PORT, the sandbox on PORT+1, a worker, beat (and Redis if none)."""
    started = time.monotonic()
    # Whatever this run and its children create (data, logs, state) is the owner's alone.
    os.umask(0o077)
    try:
        plan = decide(port, host)
    except RunError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    _announce(plan)
    stack = Stack(plan, _stopping)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    code = 0
    try:
        notes, login = _start(stack)
        _print_ready(stack, time.monotonic() - started, notes, login)
        while not _stopping.wait(0.2):
            if (dead := stack.exited()) is not None:
                click.echo(f"error: {stack.death_line(dead)}; stopping everything", err=True)
                code = 1
                break
        else:
            _say(f"{_stopping.reason}: stopping")
    except RunError as exc:
        click.echo(f"error: {exc}", err=True)
        code = 1
    except Interrupted:
        _say(f"{_stopping.reason}: stopping")
    finally:
        # A second Ctrl-C must not cut the shutdown short and leave children behind.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        stack.stop()
    _say("stopped")
    sys.exit(code)
