"""Benchmark of the followers' answers against the bare webhook, in the same run.

Both sides go through the real webhook (signature, XML parsing, dedup in Redis, routing, reply
XML) in one process, taking turns request by request (so both see the same machine load), with
distinct signed plaintext messages:
- bare: a routing table with one handler answering a constant text (the webhook's own cost);
- answers: the bot's routing table over an archive of 50 issues generated from the seed issue
  (numbers 1-50, a month apart, their events and announcements moved with them, some
  announcements still ahead), and a mix of what followers type: keywords in English and Chinese,
  searches in both languages, typos, events (upcoming, past, a month, a topic, one event),
  ordinary messages.
Prints the median and p99 latency of each, per group of messages and in all, and what the
answers add. The Redis database given (--redis-url, else $BENCH_REDIS_URL, else database 5)
is flushed before and after.

    .venv/bin/python bench/keywords.py [--requests 3000] [--redis-url redis://127.0.0.1:6379/5]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "benchToken2026"
SETTINGS = {
    "WECHAT_APPID": "wx00bench00000000",
    "WECHAT_SECRET": "0123456789abcdef0123456789abcdef",
    "WECHAT_TOKEN": TOKEN,
    "SECRET_KEY": "bench",
    # Nothing here calls WeChat; an unroutable base makes sure of it.
    "WECHAT_API_BASE": "http://127.0.0.1:9/cgi-bin/",
}
# What followers type, by group.
MIX = {
    "keywords": [
        "latest",
        "最新一期",
        "archive",
        "往期",
        "issue 9",
        "第9期",
        "help",
        "帮助",
        "ＥＶＥＮＴＳ",
        "about",
        "zuixin",
        "往期活動",
    ],
    "search en": ["trafficking", "immigration systems", "NIA workplan", "covid", "xylophone"],
    "search zh": ["人口贩运", "打击人口贩运", "培训", "欧盟", "新冠", "签证欺诈", "南京"],
    "typos": ["trafficing", "trafiking", "immigraton", "lastest", "evnets"],
    "events": [
        "events",
        "活动",
        "past events",
        "往期活动",
        "events July 2021",
        "2021年7月活动",
        "events trafficking",
        "event 2",
        "活动 5",
    ],
    "ordinary": ["hello", "谢谢", "🙂", "下一期什么时候出？", "联系方式", "talk to a person"],
}
ISSUES = 50


def archive(seed):
    """50 issues made from the seed: No. n is n - 9 months from the seed, its dates moved."""
    from bot.newsletter.model import Issue

    def shift(value: str, months: int) -> str:
        if not value or len(value) < 7:
            return value
        index = int(value[:4]) * 12 + int(value[5:7]) - 1 + months
        return f"{index // 12:04d}-{index % 12 + 1:02d}{value[7:]}"

    issues = []
    for number in range(1, ISSUES + 1):
        months = number - seed.number
        data = seed.to_dict()
        data["number"], data["month"] = number, shift(seed.month, months)
        for event in data.get("events", []):
            event["start"], event["end"] = (
                shift(event["start"], months),
                shift(event["end"], months),
            )
            # Day 29-31 may not exist in the shifted month.
            for key in ("start", "end"):
                if event[key][8:] > "28":
                    event[key] = event[key][:8] + "28"
        for item in data.get("upcoming", []):
            item["start"], item["end"] = shift(item["start"], months), shift(item["end"], months)
        issues.append(Issue.from_dict(data))
    return issues


_ids = itertools.count(int(time.time() * 1000) * 1000)


def signed_query() -> str:
    ts, nonce = str(int(time.time())), "20261129"
    signature = hashlib.sha1("".join(sorted([TOKEN, ts, nonce])).encode()).hexdigest()
    return f"signature={signature}&timestamp={ts}&nonce={nonce}"


def text_xml(content: str, sender: str) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
        f"<FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{next(_ids)}</MsgId></xml>"
    ).encode()


def bare_router():
    from bot.webhook.replies import TextReply
    from bot.webhook.router import Router

    router = Router()

    @router.message_type("text")
    def constant(message, ctx):
        return TextReply("ok")

    return router


def measure(apps: dict, texts: list[tuple], senders: int = 50) -> tuple[dict, dict]:
    """Milliseconds of each request per app, wall clock and this process's CPU; the apps take
    turns, so both see the same load."""
    clients = {name: app.test_client() for name, app in apps.items()}
    timings: dict[str, list[float]] = {name: [] for name in apps}
    cpu: dict[str, list[float]] = {name: [] for name in apps}
    for i, (_, text) in enumerate(texts[:20] + texts):
        for name, client in clients.items():
            body = text_xml(text, f"oBenchFollower{i % senders:04d}")
            start, started_cpu = time.perf_counter(), time.process_time()
            response = client.post(f"/wechat?{signed_query()}", data=body, content_type="text/xml")
            elapsed = (time.perf_counter() - start) * 1000
            used = (time.process_time() - started_cpu) * 1000
            if response.status_code != 200:
                raise SystemExit(f"the webhook answered {response.status_code} to {text!r}")
            if i >= 20:  # the first requests warm caches and connections
                timings[name].append(elapsed)
                cpu[name].append(used)
    return timings, cpu


def summary(timings: list[float]) -> tuple[float, float, float]:
    ordered = sorted(timings)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered), p99, statistics.fmean(ordered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    default_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    parser.add_argument("--redis-url", default=default_url)
    args = parser.parse_args()

    import logging

    logging.disable(logging.INFO)
    from bot import create_app
    from bot.newsletter import store
    from bot.newsletter.text_import import import_text

    seed = import_text((ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt").read_text())
    keyword_app = create_app({**SETTINGS, "REDIS_URL": args.redis_url})
    bare_app = create_app(
        {**SETTINGS, "REDIS_URL": args.redis_url, "WEBHOOK_ROUTER": bare_router()}
    )
    r = keyword_app.extensions["redis"]
    r.flushdb()
    for issue in archive(seed):
        store.save_issue(r, issue)

    mix = [(group, text) for group, texts in MIX.items() for text in texts]
    texts = [mix[i % len(mix)] for i in range(args.requests)]
    timings, cpu = measure({"bare": bare_app, "answers": keyword_app}, texts)
    print(f"{len(store.list_issues(r))} issues stored; {len(texts)} requests per side")
    print(f"{'':<22}{'wall clock':^27}{'CPU of this process':^21}")
    print(f"{'path':<22}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'p50 ms':>10}{'p99 ms':>10}")
    rows = [("bare webhook", "bare", None), ("answers, all", "answers", None)]
    rows += [(f"  {group}", "answers", group) for group in MIX]
    for label, side, group in rows:
        chosen = [
            (t, c)
            for (g, _), t, c in zip(texts, timings[side], cpu[side], strict=True)
            if group is None or g == group
        ]
        p50, p99, mean = summary([t for t, _ in chosen])
        c50, c99, _ = summary([c for _, c in chosen])
        print(f"{label:<22}{p50:>9.2f}{p99:>9.2f}{1000 / mean:>9.0f}{c50:>10.2f}{c99:>10.2f}")
    bare, answers = summary(timings["bare"]), summary(timings["answers"])
    print(
        f"answers add {answers[0] - bare[0]:.2f} ms at p50, {answers[1] - bare[1]:.2f} ms "
        f"at p99; throughput ratio answers/bare = {bare[2] / answers[2]:.2f}"
    )
    r.flushdb()


if __name__ == "__main__":
    main()
