"""The processes of one `mmsp-bot run`: Redis, the sandbox, the Procfile's web, worker and beat."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import requests

from bot.run import embedded_redis
from bot.run.plan import Plan, RunError, child_environment
from bot.run.supervisor import Child, first_exited, stop_all
from config import PROJECT_ROOT, local_state

log = logging.getLogger(__name__)

START_TIMEOUT = 90.0


def procfile_commands(path: Path = PROJECT_ROOT / "Procfile") -> dict[str, str]:
    """The Procfile's processes by name, so that run starts exactly what production starts."""
    from honcho.environ import parse_procfile

    return dict(parse_procfile(path.read_text()).processes)


def mmsp_bot(*args: str) -> list[str]:
    """The command line of `mmsp-bot ARGS` with this interpreter."""
    script = Path(sys.executable).parent / "mmsp-bot"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from bot.cli import main; main()", *args]


class Interrupted(Exception):
    """A stop was asked for (Ctrl-C, SIGTERM) while the stack was starting."""


class StopFlag:
    """Set by a signal handler, polled by loops.

    A plain attribute on purpose: threading.Event.set() takes a lock that the interrupted main
    thread may be holding inside Event.wait(), and the handler then waits for it forever.
    """

    def __init__(self) -> None:
        self.reason = ""

    def set(self, reason: str) -> None:
        self.reason = reason

    def is_set(self) -> bool:
        return bool(self.reason)

    def wait(self, seconds: float) -> bool:
        """Sleep (a signal's handler runs meanwhile), then say whether a stop was asked for."""
        if not self.reason:
            time.sleep(seconds)
        return self.is_set()


class Stack:
    """Starts the children in order, waits until each is ready, watches and stops them."""

    def __init__(self, plan: Plan, stopping: StopFlag | None = None):
        self.plan = plan
        # Set by the signal handlers; the waits below check it between their polls.
        self.stopping = stopping or StopFlag()
        self.logs = plan.var / "logs"
        self.redis: Child | None = None
        self.children: list[Child] = []
        self.commands: list[subprocess.Popen] = []
        self.env: dict[str, str] = {}
        self.redis_url = plan.redis_url

    # start-up -----------------------------------------------------------------------------

    def start_redis(self) -> None:
        """The embedded Redis (when no REDIS_URL), then the children's environment."""
        if not self.redis_url:
            try:
                secret = embedded_redis.password(self.plan.var)
                self.redis, self.redis_url = embedded_redis.start(
                    self.plan.var / "redis", self.logs, secret=secret
                )
            except RuntimeError as exc:
                raise RunError(str(exc)) from None
            # The URL carries the password: readable by the owner only, like the password file.
            local_state.write_json(
                self.plan.var / local_state.REDIS_FILE, {"url": self.redis_url}, private=True
            )
        else:
            (self.plan.var / local_state.REDIS_FILE).unlink(missing_ok=True)
        self.env = child_environment(self.plan, self.redis_url)

    def spawn_children(self) -> None:
        """The sandbox (if any) and the Procfile's web, worker and beat, all at once."""
        commands = procfile_commands()
        if self.plan.sandbox:
            webhook = f"http://127.0.0.1:{self.plan.port}/wechat"
            args = mmsp_bot("sandbox", "serve", "--port", str(self.plan.sandbox_port))
            # Safe mode, as on a live account: only an encrypted MASSSENDJOBFINISH gives the
            # URLs of a broadcast's articles.
            self._spawn("sandbox", [*args, "--webhook", webhook, "--delivery-mode", "safe"])
        for name in ("web", "worker", "beat"):
            # `exec` so that the program itself is the child we signal, not a shell around it.
            self._spawn(name, ["/bin/sh", "-c", f"exec {commands[name]}"])

    def wait_sandbox(self) -> None:
        if self.plan.sandbox:
            self._wait_http(self.plan.sandbox_url + "/cgi-bin/", "sandbox", ok=lambda s: s < 500)
            local_state.write_json(
                self.plan.var / local_state.SANDBOX_FILE, {"url": self.plan.sandbox_url}
            )

    def wait_web(self) -> None:
        self._wait_http(self.plan.web_url + "/healthz", "web", ok=lambda s: s == 200)

    def wait_background_ready(self) -> None:
        """The worker answers once it logs `ready`; beat once it logs its start."""
        self._wait_log("worker", " ready.")
        self._wait_log("beat", "beat: Starting")

    def _spawn(self, name: str, args: list[str]) -> Child:
        child = Child(name, args, self.env, self.logs, cwd=PROJECT_ROOT)
        child.start()
        self.children.append(child)
        return child

    def child(self, name: str) -> Child:
        return next(c for c in self.children if c.name == name)

    def _wait(self, name: str, ready, what: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if self.stopping.is_set():
                raise Interrupted()
            self._raise_if_one_exited()
            if time.monotonic() > deadline:
                raise RunError(f"{name} did not {what} within {START_TIMEOUT:.0f} s ({self.logs})")
            time.sleep(0.1)

    def _wait_http(self, url: str, name: str, ok) -> None:
        def answers() -> bool:
            try:
                return ok(requests.get(url, timeout=2).status_code)
            except requests.RequestException:
                return False

        self._wait(name, answers, f"answer at {url}")

    def _wait_log(self, name: str, marker: str) -> None:
        child = self.child(name)
        self._wait(name, lambda: marker in child.log_text(), "start")

    def _raise_if_one_exited(self) -> None:
        dead = self.exited()
        if dead is not None:
            raise RunError(self.death_line(dead))

    # running ------------------------------------------------------------------------------

    def exited(self) -> Child | None:
        return first_exited(([self.redis] if self.redis else []) + self.children)

    def death_line(self, child: Child) -> str:
        return (
            f"{child.name} exited with code {child.returncode()}: {child.last_line()} "
            f"(log: {child.log_path})"
        )

    def run_command(self, *args: str, stdin: str | None = None, timeout: float = 30) -> str:
        """Run `mmsp-bot ARGS` against this stack; its output, or RunError with its last line."""
        proc = subprocess.Popen(
            mmsp_bot(*args),
            env=self.env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.commands.append(proc)
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RunError(f"mmsp-bot {args[0]} did not finish within {timeout:.0f} s") from None
        if proc.returncode != 0:
            lines = (err or out).strip().splitlines() or [f"exit code {proc.returncode}"]
            raise RunError(f"mmsp-bot {' '.join(args[:2])} failed: {lines[-1]}")
        return out

    # shutdown -----------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the programs first and Redis last, so that they shut down against a live Redis."""
        for proc in self.commands:  # demo steps still running when a stop came
            if proc.poll() is None:
                proc.kill()
        stop_all(self.children)
        if self.redis is not None:
            stop_all([self.redis])
        # The addresses recorded under var/ stay: commands then fail against a stopped bot
        # (connection refused) instead of quietly falling back to another Redis or to WeChat.
