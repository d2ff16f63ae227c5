"""Benchmark of the publishing pipeline: the seed issue from "push now" to "done" at the sandbox.

Starts the sandbox, the bot's web app (for the job-finished events) and one Celery worker, imports
the seed issue, then measures, in the same run:
- cold: the first push, publishing and broadcasting (token fetch, every cover and image uploaded);
- warm: publish-only pushes with the uploads cached (median of --runs);
- baseline: the same warm push with no webhook, so the results come by polling instead of events.
For each it prints the wall time and the API calls the sandbox saw, beside the minimum the job
needs (token when cold, one upload per distinct cover and image, the drafts, the previews, the
submit and the mass send; events make polls unnecessary). The Redis database given (--redis-url,
else $BENCH_REDIS_URL, else database 4) is flushed before and after.

    .venv/bin/python bench/pipeline.py [--runs 3] [--redis-url redis://127.0.0.1:6379/4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = {
    "WECHAT_APPID": "wx00bench00000001",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_TOKEN": "benchToken2026",
    "SECRET_KEY": "bench",
    "WECHAT_ACCOUNT_TYPE": "service",
}


def _calls(sandbox) -> Counter:
    return Counter(
        {k[len("calls:") :]: v for k, v in sandbox.counts().items() if k.startswith("calls:")}
    )


def _timed_push(app, r, sandbox, number, **options):
    from bot.publishing import api, state

    before = _calls(sandbox)
    started = time.perf_counter()
    with app.app_context():
        push_id = api.start_push(r, number, by="bench", **options)["id"]
    while (push := state.load(r, push_id)).state not in state.TERMINAL:
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if push.state != "done":
        raise SystemExit(f"push {push_id} failed: {push['errcode']} {push['errmsg']}")
    return elapsed, _calls(sandbox) - before, push


def _minimum(push, cold: bool, publish: bool, broadcast: bool) -> int:
    covers = len({c["media_id"] for c in push["covers"]}) if cold else 0
    images = len(set(push["images"].values())) if cold else 0
    previews = len(push["preview_to"])
    # A broadcast is the publication: publish and broadcast make one mass send, no freepublish.
    publishing = 1 if publish or broadcast else 0
    return int(cold) + covers + images + 1 + previews + publishing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    default_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
    parser.add_argument("--redis-url", default=default_url)
    args = parser.parse_args()

    import redis

    from bot import create_app
    from bot.newsletter import store
    from bot.newsletter.text_import import import_bytes
    from tests.support.live import serve_wsgi, start_celery_worker
    from tests.support.sandbox import SandboxServer

    r = redis.Redis.from_url(args.redis_url, decode_responses=True)
    r.flushdb()
    env = {**SETTINGS, "REDIS_URL": args.redis_url}
    sandbox = SandboxServer(env, log_name="bench-sandbox").start()
    worker = None
    try:
        sandbox.reset()
        staff = sandbox.add_follower("staff")
        for name in ("f1", "f2", "f3"):
            sandbox.add_follower(name)
        bot_env = {**env, "WECHAT_API_BASE": sandbox.api_base, "STAFF_OPENIDS": staff}
        app = create_app({**bot_env, "STAFF_OPENIDS": (staff,)})
        seed = ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
        number = store.save_issue(r, import_bytes(seed.read_bytes())).number
        worker = start_celery_worker(bot_env, "bench-worker", concurrency=1)
        with serve_wsgi(app) as url:
            sandbox.configure(webhook_url=f"{url}/wechat", delivery_mode="safe")
            cold = _timed_push(app, r, sandbox, number, publish=True, broadcast=True)
            warm = [_timed_push(app, r, sandbox, number, publish=True) for _ in range(args.runs)]
            sandbox.configure(webhook_url="")
            polled = [_timed_push(app, r, sandbox, number, publish=True) for _ in range(args.runs)]
    finally:
        if worker:
            worker.stop()
        sandbox.stop()
        r.flushdb()

    def row(label, runs, cold_run, publish, broadcast):
        seconds = statistics.median(t for t, _, _ in runs)
        calls = statistics.median(sum(c.values()) for _, c, _ in runs)
        least = _minimum(runs[0][2], cold_run, publish, broadcast)
        print(f"{label:<34} {seconds * 1000:8.0f} ms {calls:6.0f} calls {least:4d} minimum")
        return seconds

    print(f"{'push of issue ' + str(number):<34} {'time':>11} {'calls':>12} {'':>12}")
    row("cold, publish + broadcast", [cold], True, True, True)
    warm_s = row("warm, publish (events)", warm, False, True, False)
    polled_s = row("warm, publish (polling, baseline)", polled, False, True, False)
    print(f"events vs polling: {polled_s / warm_s:.2f}x faster")
    print("calls of the cold push:", dict(sorted(cold[1].items())))
    print("calls of a polled push:", dict(sorted(polled[0][1].items())))


if __name__ == "__main__":
    main()
