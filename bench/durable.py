"""What confirmed writes cost (run as `bench/webhook.py --durable`); without --durable, the
earlier benchmark of POST /wechat with "help" from one follower against the floor.

Starts gunicorn with the web settings (config/gunicorn.py: 2 workers) twice: once serving a
Flask app that answers constant XML (the floor), once serving the real app. Drives each over
16 keep-alive connections on loopback with thousands of distinct pre-signed messages (wrk with
a Lua script when installed, else a Python load generator), in plaintext and safe mode, and
prints req/s, p50, p99 and the ratio to the floor. Bounded to about a minute.

    .venv/bin/python bench/webhook.py [--seconds 3] [--rounds 3] [--redis-url redis://127.0.0.1:6379/1]

Every message is new, so each call claims its id in Redis and caches its reply (dedup on).

With --durable it measures instead what confirmed writes cost: a Redis master with one replica
of its own (redis-server, started here), "follow <topic>" messages (a write the follower is
told about), answered once without WAIT (REDIS_WAIT_REPLICAS=0, the baseline) and once with
`WAIT 1` after the write (REDIS_WAIT_REPLICAS=1), interleaved; "help" (no such write) as well.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wechatpy.crypto import WeChatCrypto  # noqa: E402  (independent client, as WeChat would be)

from bench.webhook import (  # noqa: E402  (shared account, load drivers and server)
    AES_KEY,
    APPID,
    CONNECTIONS,
    TOKEN,
    Gunicorn,
    free_port,
    median,
    run_python,
    run_wrk,
    server_env,
    signed_request,
)

SENDER = "oBenchFollower000000000001"
FLOOR_XML = (
    "<xml><ToUserName><![CDATA[oBench]]></ToUserName><FromUserName><![CDATA[gh_bench]]>"
    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[floor]]></Content></xml>"
)


def messages(count: int, mode: str, first_id: int, content: str = "help") -> list[tuple[str, str]]:
    """(path, body) of `count` distinct signed text messages (`content`), one MsgId each."""
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    now = str(int(time.time()))
    out = []
    for i in range(count):
        xml = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[{SENDER}]]></FromUserName>"
            f"<CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{first_id + i}</MsgId></xml>"
        )
        out.append(signed_request(crypto, xml, SENDER, str(100000 + i), now, mode))
    return out


NO_WAIT = {"REDIS_WAIT_REPLICAS": "0"}
WAIT_ONE = {"REDIS_WAIT_REPLICAS": "1"}
DURABLE_CONFIGS = (
    ("floor (constant XML)", "bench.webhook:floor_app()", "plain", "help", {}),
    ("follow topic, no WAIT", "bot:create_app()", "plain", "follow trafficking", NO_WAIT),
    ("follow topic, WAIT 1", "bot:create_app()", "plain", "follow trafficking", WAIT_ONE),
    ("help, no WAIT", "bot:create_app()", "plain", "help", NO_WAIT),
    ("help, WAIT 1", "bot:create_app()", "plain", "help", WAIT_ONE),
)


def confirm_cost(url: str, calls: int = 2000) -> dict[str, float]:
    """Median microseconds of one SADD, and of one SADD followed by confirm_writes (WAIT 1),
    alternating, in this process: the cost of a confirmed write without the HTTP around it."""
    from bot.redisdb import confirm_writes, connect

    plain, confirmed = connect(url, wait_replicas=0), connect(url, wait_replicas=1)
    times: dict[str, list[float]] = {"sadd": [], "sadd + WAIT 1": []}
    for i in range(calls):
        for name, client in (("sadd", plain), ("sadd + WAIT 1", confirmed)):
            started = time.perf_counter()
            client.sadd("follower:bench:topics", f"t{i % 50}")
            confirm_writes(client)
            times[name].append((time.perf_counter() - started) * 1e6)
    return {name: median(values) for name, values in times.items()}


class ReplicatedRedis:
    """A redis-server master and one replica on loopback, for --durable."""

    def __init__(self, work: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("--durable needs redis-server (Debian's redis-server package)")
        self.master_port, replica_port = free_port(), free_port()
        self.procs = []
        for name, port, extra in (
            ("master", self.master_port, ["--min-replicas-to-write", "1"]),
            ("replica", replica_port, ["--replicaof", "127.0.0.1", str(self.master_port)]),
        ):
            folder = work / f"redis-{name}"
            folder.mkdir()
            args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
            args += ["--appendonly", "yes", "--save", "", *extra]
            self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL))
        import redis

        master = redis.Redis(port=self.master_port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if master.info("replication").get("connected_slaves") == 1:
                    return
            except redis.RedisError:
                pass
            time.sleep(0.1)
        self.stop()
        raise SystemExit("the bench's Redis replica did not connect")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.master_port}/0"

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each endpoint, interleaved")
    parser.add_argument("--messages", type=int, default=12000, help="distinct messages per run")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument(
        "--durable", action="store_true", help="the cost of WAIT on a master with a replica"
    )
    args = parser.parse_args()
    configs = DURABLE_CONFIGS

    tool = "wrk" if shutil.which("wrk") else "python"
    drive = run_wrk if tool == "wrk" else run_python
    env = server_env(args.redis_url)
    next_id = time.time_ns() // 1000

    def fresh(count: int, mode: str, content: str) -> list[tuple[str, str]]:
        nonlocal next_id
        next_id += count
        return messages(count, mode, next_id - count, content)

    runs: dict[str, list[dict]] = {name: [] for name, *_ in configs}
    with tempfile.TemporaryDirectory(prefix="bench-webhook-") as tmp:
        work = Path(os.environ.get("BENCH_KEEP", tmp))
        servers: dict[str, Gunicorn] = {}
        replicated = ReplicatedRedis(work) if args.durable else None
        if replicated is not None:
            env["REDIS_URL"] = replicated.url
        try:
            for _, target, _, _, extra in configs:
                server = f"{target} {sorted(extra.items())}"
                if server not in servers:
                    label = f"{target.split(':')[0]}-{len(servers)}"
                    servers[server] = Gunicorn(target, {**env, **extra}, work, label)
            served = {name: servers[f"{t} {sorted(x.items())}"] for name, t, _, _, x in configs}
            for name, _, mode, content, _ in configs:
                drive(served[name].url, fresh(5000, mode, content), 1, work)  # warm-up
            # Interleaved rounds: the machine's load drifts, so each ratio compares runs made
            # seconds apart, and the median of the rounds is reported.
            for _ in range(args.rounds):
                for name, _, mode, content, _ in configs:
                    plan = fresh(args.messages, mode, content)
                    runs[name].append(drive(served[name].url, plan, args.seconds, work))
            if replicated is not None:
                round_trips = confirm_cost(replicated.url)
        finally:
            for server in servers.values():
                server.stop()
            if replicated is not None:
                replicated.stop()

    floor = runs[configs[0][0]]
    print(
        f"POST /wechat, gunicorn config/gunicorn.py (2 workers), {CONNECTIONS} connections, "
        f"load by {tool}, {args.rounds} interleaved runs of {args.seconds:g} s (medians), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'endpoint':30} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9} {'errors':>7}")
    for name, results in runs.items():
        ratio = median([r["rps"] / f["rps"] for r, f in zip(results, floor, strict=True)])
        print(
            f"{name:30} {median([r['rps'] for r in results]):8.0f} "
            f"{median([r['p50_ms'] for r in results]):8.2f} "
            f"{median([r['p99_ms'] for r in results]):8.2f} {ratio:8.0%} "
            f"{sum(r['errors'] for r in results):7d}"
        )
        if name != configs[0][0] and max(r["requests"] for r in results) > args.messages:
            print(f"  note: a run sent more than {args.messages} messages; some were retries")
    if args.durable:
        costs = ", ".join(f"{name} {us:.0f} µs" for name, us in round_trips.items())
        print(f"one write in one process, median of 2000 alternating: {costs}")


if __name__ == "__main__":
    main()
