"""Benchmark of the bot at 100,000 followers and 50 issues against 100 followers and 1 issue.

Starts a private redis-server on a free port and fills two of its databases: the small one with
100 followers and the seed issue, the large one with 100,000 followers (languages, topics,
reminders, names, last-message times over two months, customer-service windows for those
active in the last 48 hours) and 50 issues (the seed issue under 50 numbers). Then measures:
- Redis memory per follower (used_memory before and after the followers, issues excluded;
  60 % write Chinese, 30 % follow topics, 13 % have a reminder, 20 % a name);
- keyword, search and event answers through the real webhook in this process (p50, p99), the
  two databases taking turns message by message so that both see the same machine load;
- the reminder job finding what is due: 10,000 event reminders due among 100,000 followers;
- the console's Followers page: figures, the first page of the list, a search by name and one
  by openid, the reminders' figures, rendered with its template (WeChat's calls for names and
  tags left out: they are network time, the same at any size).

    .venv/bin/python bench/scale.py [--followers 100000] [--issues 50] [--requests 600]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.keywords import (  # noqa: E402  (the same test account and signed messages)
    SETTINGS,
    signed_query,
    text_xml,
)
from bench.webhook import RedisServer  # noqa: E402

ANSWERS = {
    "keyword": ["latest", "最新", "archive", "往期", "help", "第9期"],
    "search": [
        "trafficking",
        "人口贩运",
        "hello, what can you do? {n}",
        "你好，请问今天天气怎么样？{n}",
        "immigration systems {n}",
    ],
    "event": ["events", "活动", "past events", "event 2", "events July 2021", "2021年7月活动"],
}
TOPICS = ("trafficking", "labour", "visas", "returns", "irregular")
NAMES = ("Anna", "Bernd", "Chen Wei", "Dominika", "Elena", "Fang", "Giulia", "Hu Jun", "Ines")
DUE_REMINDERS = 10000


def openid(i: int) -> str:
    """An openid of WeChat's length (28 characters)."""
    return "oBench" + hashlib.sha1(str(i).encode()).hexdigest()[:22]


def fill_issues(r, count: int) -> None:
    from bot.newsletter import store
    from bot.newsletter.text_import import import_text

    seed = ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
    issue = import_text(seed.read_text(encoding="utf-8"))
    first = 9 if count == 1 else 1
    for number in range(first, first + count):
        issue.number = number
        issue.month = f"{2019 + (number - 1) // 12}-{(number - 1) % 12 + 1:02d}"
        store.save_issue(r, issue)


def fill_followers(r, count: int, due: int, now: float) -> None:
    """Followers as they would be after months of use, written the way the bot writes them."""
    from bot.followers import directory, records, reminders
    from bot.wechat import service_window

    rng = random.Random(16)
    pipe = r.pipeline(transaction=False)
    for i in range(count):
        who = openid(i)
        joined = now - rng.uniform(0, 365) * 86400
        records.queue_seen(pipe, who, joined, follow=True)
        last = max(joined, now - rng.uniform(0, 60) * 86400)
        records.queue_touch(pipe, who, last)
        if rng.random() < 0.6:
            # Wrote in Chinese (a few in Traditional characters): answered in Chinese since.
            written = {"script_language": "zh"}
            if rng.random() < 0.1:
                written["traditional"] = 1
            records.queue_update(pipe, who, written)
        if rng.random() < 0.3:
            pipe.sadd(records.topics_key(who), *rng.sample(TOPICS, rng.randint(1, 2)))
        if now - last < 48 * 3600:
            service_window.queue_opened(pipe, who, service_window.MESSAGE, last, f"m{i}")
        if i < due or rng.random() < 0.03:
            # The first `due` are due now; a few more wait for later events.
            when = now - 60 if i < due else now + rng.uniform(1, 90) * 86400
            reminder = reminders.Reminder(id=f"event:9:{i % 7}", kind="event", issue=9, due=when)
            reminder.created = now
            reminders._save(pipe, who, reminder)
            pipe.zadd(reminders.DUE_KEY, {reminder.member(who): when})
        if rng.random() < 0.2:
            pipe.hset(directory.NAMES_KEY, who, f"{rng.choice(NAMES)} {i}")
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def answer_times(apps: dict, sizes: dict, texts: list[str]) -> dict[str, list[float]]:
    """Milliseconds per message for each app; the apps take turns message by message."""
    clients = {name: app.test_client() for name, app in apps.items()}
    rng = random.Random(7)
    timings: dict[str, list[float]] = {name: [] for name in apps}
    for i, template in enumerate(texts[:20] + texts):
        text = template.format(n=i)
        for name, client in clients.items():
            body = text_xml(text, openid(rng.randrange(sizes[name])))
            start = time.perf_counter()
            response = client.post(f"/wechat?{signed_query()}", data=body, content_type="text/xml")
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"the webhook answered {response.status_code} to {text!r}")
            if i >= 20:  # the first ones warm caches and connections
                timings[name].append(elapsed)
    return timings


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(fn, repeat: int = 5) -> float:
    """The median milliseconds of fn() over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def find_due(r, now: float) -> tuple[float, int]:
    """Milliseconds to claim every due reminder, batch by batch as the job does, and how many."""
    from bot.followers import reminders

    start = time.perf_counter()
    found = 0
    while True:
        batch = reminders.claim_due(r, now)
        found += len(batch)
        if len(batch) < reminders.CLAIM_BATCH:
            break
    return (time.perf_counter() - start) * 1000, found


def console_page(app, r) -> dict[str, float]:
    """Milliseconds of each part of the Followers page, and of the whole rendered page."""
    from flask import render_template

    from bot.console.follower_stats import chart_points, follower_figures, reminder_figures
    from bot.followers import directory

    tz = app.extensions["settings"].tz
    some = r.zrevrange("follower:seen", 50, 50)[0]

    def whole(query: str) -> None:
        figures = follower_figures(r, tz)
        with app.test_request_context("/console/followers"):
            render_template(
                "console/followers.html",
                figures=figures,
                chart=chart_points(figures["series"]),
                reminders=reminder_figures(r),
                listed=directory.page(r, query, 0),
                tags=[],
                problems=[],
            )

    return {
        "figures": timed(lambda: follower_figures(r, tz)),
        "list, first page": timed(lambda: directory.page(r, "", 0)),
        "search by name": timed(lambda: directory.page(r, "elena", 0)),
        "search by openid": timed(lambda: directory.page(r, some[:10], 0)),
        "reminders' figures": timed(lambda: reminder_figures(r)),
        "whole page": timed(lambda: whole("")),
        "whole page, search": timed(lambda: whole("elena")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--followers", type=int, default=100000)
    parser.add_argument("--issues", type=int, default=50)
    parser.add_argument("--requests", type=int, default=600, help="messages of each kind")
    args = parser.parse_args()
    logging.disable(logging.INFO)

    from bot import create_app

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        server = RedisServer(Path(tmp))
        try:
            base = server.url.rsplit("/", 1)[0]
            small = create_app({**SETTINGS, "REDIS_URL": f"{base}/0"})
            large = create_app({**SETTINGS, "REDIS_URL": f"{base}/1"})
            rs, rl = small.extensions["redis"], large.extensions["redis"]
            now = time.time()
            started = time.perf_counter()
            fill_issues(rs, 1)
            fill_followers(rs, 100, due=10, now=now)
            fill_issues(rl, args.issues)
            before = int(rl.info("memory")["used_memory"])
            fill_followers(rl, args.followers, due=DUE_REMINDERS, now=now)
            after = int(rl.info("memory")["used_memory"])
            fill_seconds = time.perf_counter() - started
            per_follower = (after - before) / args.followers

            apps = {"small": small, "large": large}
            sizes = {"small": 100, "large": args.followers}
            answers = {}
            for kind, mix in ANSWERS.items():
                texts = [mix[i % len(mix)] for i in range(args.requests)]
                answers[kind] = answer_times(apps, sizes, texts)
            console = {"small": console_page(small, rs), "large": console_page(large, rl)}
            due_ms, due_found = find_due(rl, time.time())
        finally:
            server.stop()

    print(
        f"{args.followers} followers and {args.issues} issues against 100 followers and 1 issue; "
        f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after; filled in {fill_seconds:.0f} s"
    )
    print(f"Redis memory per follower: {per_follower:.0f} bytes (target <= 512)")
    header = f"{'small p50':>10} {'p99':>8} {'large p50':>10} {'p99':>8} {'ratio p50':>10}"
    print(f"{'answer':10} {header}")
    for kind, timings in answers.items():
        s50, s99 = percentiles(timings["small"])
        l50, l99 = percentiles(timings["large"])
        print(f"{kind:10} {s50:8.2f}ms {s99:6.2f}ms {l50:8.2f}ms {l99:6.2f}ms {l50 / s50:9.2f}x")
    print(
        f"reminders due: {due_found} found (and claimed) in {due_ms:.0f} ms among "
        f"{args.followers} followers (target < 1000 ms)"
    )
    print(f"{'console, Followers page':26} {'small':>9} {'large':>9}  (target < 300 ms)")
    for part in console["small"]:
        print(f"{part:26} {console['small'][part]:7.1f}ms {console['large'][part]:7.1f}ms")


if __name__ == "__main__":
    main()
