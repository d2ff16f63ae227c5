"""Benchmark of POST /wechat against the floor of the stack, for known and new followers.

Starts a private redis-server on a free port (the seed issue stored, 1,000 followers recorded)
and gunicorn with the web settings (config/gunicorn.py: 2 workers) three times: a bare Flask
app answering constant XML (the floor), the same plus one Redis `SET NX` per call (what dedup
costs at the least), and the real app. Drives each over 16 keep-alive connections on loopback
(wrk with a Lua script when installed, else a Python load generator) with distinct signed
messages written as followers write: keywords and menu clicks, and questions and greetings in
both languages that reach the search ("你好，请问今天天气怎么样？", "hello, what can you do?",
each with a number appended). The real app gets them from a pool of 1,000 known followers and
from a new follower each (an openid never seen), in plaintext and safe mode. Rounds are
interleaved (the machine's load drifts); medians are printed with req/s, p50, p99, the ratio to
the floor of the same round, and the CPU per call of gunicorn and of Redis.

    .venv/bin/python bench/webhook.py [--seconds 3] [--rounds 3] [--worker-class sync]
    .venv/bin/python bench/webhook.py --durable   # what confirmed writes cost (bench/durable.py)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wechatpy.crypto import WeChatCrypto  # noqa: E402  (independent client, as WeChat would be)

TOKEN = "benchToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx00bench00000000"
CONNECTIONS = 16
KNOWN_FOLLOWERS = 1000
FLOOR_XML = (
    "<xml><ToUserName><![CDATA[oBench]]></ToUserName><FromUserName><![CDATA[gh_bench]]>"
    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[floor]]></Content></xml>"
)
# What followers send: keywords, menu clicks (("click", key)), and free text for the search.
MIX: list[str | tuple[str, str]] = [
    "latest",
    "最新",
    "events",
    "活动",
    "help",
    "帮助",
    "archive",
    "第9期",
    ("click", "LATEST_ISSUE"),
    ("click", "EVENTS_UPCOMING"),
    ("click", "EVENTS_PAST"),
    ("click", "ARCHIVE"),
    ("click", "ABOUT"),
    "你好，请问今天天气怎么样？{n}",
    "hello, what can you do? {n}",
    "请问有关于人口贩运的培训吗？{n}",
    "where can I read about trafficking? {n}",
    "good morning {n}",
    "早上好 {n}",
    "any news on visas for students {n}",
]


def floor_app():
    """The floor: Flask under the same gunicorn, answering constant XML to any POST."""
    from flask import Flask, Response

    app = Flask("floor")

    @app.post("/wechat")
    def wechat():
        return Response(FLOOR_XML, content_type="application/xml; charset=utf-8")

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


def floor_setnx_app():
    """The floor plus one Redis round trip: SET NX of a key per call (dedup's least cost)."""
    import redis
    from flask import Flask, Response, request

    app = Flask("floor_setnx")
    client = redis.Redis.from_url(os.environ["REDIS_URL"])

    @app.post("/wechat")
    def wechat():
        key = "wh:push:bench:" + request.args.get("nonce", "") + request.args.get("timestamp", "")
        client.set(key, "D", nx=True, ex=600)
        return Response(FLOOR_XML, content_type="application/xml; charset=utf-8")

    @app.get("/healthz")
    def healthz():
        return "ok"

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (from /proc; 0 for one that is gone)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


class RedisServer:
    """A private redis-server on a free port, without persistence, gone with the bench."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(work)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, start_new_session=True)
        import redis

        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Gunicorn:
    def __init__(self, target: str, env: dict[str, str], log_dir: Path, name: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        full_env = {
            **os.environ,
            **env,
            "WEB_HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "WEB_ACCESS_LOG": "/dev/null",
        }
        args = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", target]
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn {target} did not start (see {self.log.name})")

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [self.proc.pid, *map(int, children.read_text().split())]
        except OSError:
            return [self.proc.pid]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def signature(*parts: str) -> str:
    import hashlib

    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def signed_request(
    crypto: WeChatCrypto, xml: str, sender: str, nonce: str, now: str, mode: str
) -> tuple[str, str]:
    """(path, body) of one message as WeChat posts it: signed, and encrypted in safe mode."""
    query = {
        "signature": signature(TOKEN, now, nonce),
        "timestamp": now,
        "nonce": nonce,
        "openid": sender,
    }
    if mode == "safe":
        envelope = crypto.encrypt_message(xml, nonce, now)
        encrypt = envelope.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
        msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
        query.update(encrypt_type="aes", msg_signature=msg_signature)
        xml = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        )
    return "/wechat?" + urlencode(query), xml


class Messages:
    """Distinct signed messages of the mix, each with its own MsgId or (follower, time)."""

    def __init__(self) -> None:
        self.crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
        self.next_id = time.time_ns() // 1000
        self.new_follower = 0

    def make(self, count: int, mode: str, senders: str) -> list[tuple[str, str]]:
        now = int(time.time())
        out = []
        for i in range(count):
            self.next_id += 1
            if senders == "known":
                sender = f"oBenchKnown{i % KNOWN_FOLLOWERS:05d}"
                # A click's push is named by (follower, time): one time per follower's click.
                created = now - i // KNOWN_FOLLOWERS - 1
            else:
                self.new_follower += 1
                sender, created = f"oBenchNew{self.next_id}x{self.new_follower}", now
            what = MIX[i % len(MIX)]
            if isinstance(what, tuple):
                body = (
                    "<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[CLICK]]></Event>"
                    f"<EventKey><![CDATA[{what[1]}]]></EventKey>"
                )
            else:
                content = what.format(n=self.next_id % 997)
                body = (
                    f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
                    f"<MsgId>{self.next_id}</MsgId>"
                )
            xml = (
                "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
                f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
                f"<CreateTime>{created}</CreateTime>{body}</xml>"
            )
            out.append(signed_request(self.crypto, xml, sender, str(self.next_id), str(now), mode))
        return out


WRK_SCRIPT = r"""
local lines = {}
for line in io.lines(os.getenv("BENCH_REQUESTS")) do lines[#lines + 1] = line end
local counter = 0
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
function init(args)
  step = tonumber(os.getenv("BENCH_THREADS"))
  counter = offset
end
function request()
  local line = lines[(counter % #lines) + 1]
  counter = counter + step
  local tab = line:find("\t", 1, true)
  local headers = {["Content-Type"] = "text/xml"}
  return wrk.format("POST", line:sub(1, tab - 1), headers, line:sub(tab + 1))
end
function done(summary, latency, requests)
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def run_wrk(url: str, requests: list[tuple[str, str]], seconds: float, work: Path) -> dict:
    lines = work / "requests.txt"
    lines.write_text("".join(f"{p}\t{b}\n" for p, b in requests), encoding="utf-8")
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    threads = 2
    env = {**os.environ, "BENCH_REQUESTS": str(lines), "BENCH_THREADS": str(threads)}
    command = ["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s"]
    out = subprocess.run(
        [*command, "--timeout", "10s", "-s", str(script), url],
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {
        "rps": result["requests"] / (result["duration_us"] / 1e6),
        "p50_ms": result["p50_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "requests": result["requests"],
        "errors": result["errors"] + result["non2xx"],
    }


def run_python(url: str, requests: list[tuple[str, str]], seconds: float, work: Path) -> dict:
    """A keep-alive load generator on threads, when wrk is not installed (weaker: the GIL)."""
    port = int(url.rsplit(":", 1)[1])
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, i = [], offset
        while time.monotonic() < stop_at:
            path, body = requests[i % len(requests)]
            i += CONNECTIONS
            started = time.perf_counter()
            try:
                conn.request("POST", path, body.encode(), {"Content-Type": "text/xml"})
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(CONNECTIONS)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": pick(0.5),
        "p99_ms": pick(0.99),
        "requests": len(latencies),
        "errors": errors[0],
    }


CONFIGS = (
    # name, gunicorn target, message mode, senders
    ("floor (constant XML)", "bench.webhook:floor_app()", "plain", "known"),
    ("floor + one SET NX", "bench.webhook:floor_setnx_app()", "plain", "known"),
    ("bot, plain, known", "bot:create_app()", "plain", "known"),
    ("bot, plain, new", "bot:create_app()", "plain", "new"),
    ("bot, safe, known", "bot:create_app()", "safe", "known"),
    ("bot, safe, new", "bot:create_app()", "safe", "new"),
)


def server_env(redis_url: str) -> dict[str, str]:
    """The environment of the servers under test: the bench account, and no way to WeChat."""
    return {
        "WECHAT_APPID": APPID,
        "WECHAT_SECRET": "benchsecret0000000000000000000000",
        "WECHAT_TOKEN": TOKEN,
        "WECHAT_AES_KEY": AES_KEY,
        # Both kinds of round (plaintext and encrypted) against the same servers.
        "WECHAT_MESSAGE_MODE": "compatible",
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench",
        "LOG_FORMAT": "text",
        # Point the API client at a closed port: the bench must never call WeChat.
        "WECHAT_API_BASE": f"http://127.0.0.1:{free_port()}/cgi-bin/",
    }


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def prepare(redis_url: str) -> None:
    """The seed issue stored and the pool of known followers recorded, in the bench's Redis."""
    import logging

    import redis

    from bot.followers import records
    from bot.newsletter import store
    from bot.newsletter.text_import import import_text

    logging.disable(logging.INFO)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    seed = ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
    store.save_issue(r, import_text(seed.read_text(encoding="utf-8")))
    pipe = r.pipeline(transaction=False)
    now = time.time()
    for i in range(KNOWN_FOLLOWERS):
        records.queue_seen(pipe, f"oBenchKnown{i:05d}", now, follow=True)
    pipe.execute()
    logging.disable(logging.NOTSET)


def main() -> None:
    if "--durable" in sys.argv:
        # What confirmed writes (WAIT) cost: a master with a replica of its own (bench/durable.py).
        from bench import durable

        durable.main()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each endpoint, interleaved")
    parser.add_argument("--messages", type=int, default=20000, help="distinct messages per run")
    parser.add_argument(
        "--worker-class", default="", help="gunicorn worker class for every server (sync, ...)"
    )
    args = parser.parse_args()

    tool = "wrk" if shutil.which("wrk") else "python"
    drive = run_wrk if tool == "wrk" else run_python
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {name: [] for name, *_ in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        work = Path(tmp)
        redis_server = RedisServer(work)
        prepare(redis_server.url)
        env = server_env(redis_server.url)
        if args.worker_class:
            env["GUNICORN_CMD_ARGS"] = f"--worker-class {args.worker_class}"
            if args.worker_class == "sync":
                env["WEB_THREADS"] = "1"  # gunicorn makes sync workers with threads gthread
        source = Messages()
        servers: dict[str, Gunicorn] = {}
        try:
            for _, target, *_ in CONFIGS:
                if target not in servers:
                    servers[target] = Gunicorn(target, env, work, target.split(":")[1][:-2])
            for _, target, mode, senders in CONFIGS:  # warm-up
                drive(servers[target].url, source.make(3000, mode, senders), 1, work)
            for _ in range(args.rounds):
                for name, target, mode, senders in CONFIGS:
                    plan = source.make(args.messages, mode, senders)
                    server = servers[target]
                    cpu_before = cpu_seconds(server.pids()), cpu_seconds([redis_server.proc.pid])
                    result = drive(server.url, plan, args.seconds, work)
                    cpu_after = cpu_seconds(server.pids()), cpu_seconds([redis_server.proc.pid])
                    calls = max(result["requests"], 1)
                    result["cpu_us"] = (cpu_after[0] - cpu_before[0]) / calls * 1e6
                    result["redis_us"] = (cpu_after[1] - cpu_before[1]) / calls * 1e6
                    result["repeated"] = result["requests"] > len(plan)
                    runs[name].append(result)
        finally:
            for server in servers.values():
                server.stop()
            redis_server.stop()

    floor = runs[CONFIGS[0][0]]
    worker_class = args.worker_class or "config/gunicorn.py's (gthread)"
    print(
        f"POST /wechat, gunicorn config/gunicorn.py (2 workers, worker class {worker_class}), "
        f"{CONNECTIONS} connections, load by {tool}, {args.rounds} interleaved runs of "
        f"{args.seconds:g} s (medians), {os.cpu_count()} CPUs, load average "
        f"{load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after"
    )
    print(
        f"{'endpoint':22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'vs floor':>9} "
        f"{'range':>9} {'CPU/call':>9} {'Redis/call':>10} {'errors':>6}"
    )
    for name, results in runs.items():
        ratios = [r["rps"] / f["rps"] for r, f in zip(results, floor, strict=True)]
        print(
            f"{name:22} {median([r['rps'] for r in results]):7.0f} "
            f"{median([r['p50_ms'] for r in results]):7.2f} "
            f"{median([r['p99_ms'] for r in results]):7.2f} {median(ratios):8.2f}x "
            f"{min(ratios):4.2f}-{max(ratios):4.2f} "
            f"{median([r['cpu_us'] for r in results]):6.0f} us "
            f"{median([r['redis_us'] for r in results]):7.0f} us "
            f"{sum(r['errors'] for r in results):6d}"
        )
        if any(r["repeated"] for r in results):
            print(f"  note: a run sent more than {args.messages} messages; some were retries")


if __name__ == "__main__":
    main()
