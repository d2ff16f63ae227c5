"""Benchmark of `mmsp-bot run`: seconds from the command to "ready", with nothing configured.

Measures, in the same run and in a temporary var/ folder (embedded Redis, the sandbox):
- first: the first start (account generated, sample issue ingested, staff login, menu, alice);
- again: restarts on the same folder (median of --runs);
- baseline: one bare gunicorn web process until /healthz answers 200, the floor of any start.
Prints each with its ratio to the baseline, and the machine's load average (the host is shared).

    .venv/bin/python bench/startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIGURING = ("REDIS_URL", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN", "WECHAT_AES_KEY")


def free_pair() -> int:
    """A port whose next port is free too (web and sandbox)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def time_run(var: Path) -> float:
    """Seconds from starting `mmsp-bot run` to its "ready" line; then Ctrl-C and wait."""
    env = {k: v for k, v in os.environ.items() if k not in CONFIGURING}
    env.update(MMSP_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "mmsp-bot"), "run", "--port", str(free_pair())],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("ready in"):
                return time.monotonic() - started
            if line.startswith("error:"):
                raise SystemExit(f"run failed: {line.strip()}")
        raise SystemExit("run ended before it was ready")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


def time_bare_web(redis_url: str) -> float:
    """Seconds for one gunicorn process of the app to answer /healthz (the baseline)."""
    port = free_pair()
    env = {**os.environ, "REDIS_URL": redis_url, "PORT": str(port), "WEB_HOST": "127.0.0.1"}
    env["WEB_CONCURRENCY"] = "1"
    started = time.monotonic()
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "config/gunicorn.py", "bot:create_app()"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mmsp-startup-"))
    try:
        first = time_run(folder / "var")
        again = [time_run(folder / "var") for _ in range(args.runs)]
        # The baseline uses the embedded Redis of one more run's folder, started by hand.
        sys.path.insert(0, str(ROOT))
        from bot.run import embedded_redis

        redis_child, url = embedded_redis.start(folder / "bare-redis", folder / "logs")
        try:
            baseline = statistics.median(time_bare_web(url) for _ in range(args.runs))
        finally:
            redis_child.signal_leader(signal.SIGTERM)
            redis_child.popen.wait(10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"baseline: one gunicorn web process to /healthz   {baseline:6.1f} s   1.0x")
    print(
        f"mmsp-bot run, first start (fresh var/)          {first:6.1f} s   {first / baseline:.1f}x"
    )
    median = statistics.median(again)
    print(
        f"mmsp-bot run, restart (median of {args.runs})            {median:6.1f} s   "
        f"{median / baseline:.1f}x   (min {min(again):.1f}, max {max(again):.1f})"
    )


if __name__ == "__main__":
    main()
