"""Figures about followers for the console, read from the followers part's records."""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from bot.followers import records

log = logging.getLogger(__name__)

DAY = 86400


def _follower_hashes(r: redis.Redis) -> list[dict[str, str]]:
    """Every follower record (`follower:<openid>` hashes; their sub-keys and indexes skipped)."""
    keys = [key for key in r.scan_iter(match="follower:*", count=1000) if key.count(":") == 1]
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.type(key)
    hashes = [key for key, kind in zip(keys, pipe.execute(), strict=True) if kind == "hash"]
    for key in hashes:
        pipe.hgetall(key)
    return [data for data in pipe.execute() if data]


def ensure_counts(r: redis.Redis) -> None:
    """Count the followers once from their records when the counts were not kept from the
    start (data older than the counts): a scan of every record, then never again."""
    if r.hget(records.COUNTS_KEY, "exact"):
        return
    found = _follower_hashes(r)
    counts: Counter = Counter(exact=1)
    changes: Counter = Counter()
    for d in found:
        if d.get("status", records.ACTIVE) == records.ACTIVE:
            counts["active"] += 1
            counts[f"lang:{d.get('language') or 'unknown'}"] += 1
        else:
            counts["gone"] += 1
            left = float(d.get("unsubscribed_at") or 0)
            changes[int(left // records.HOUR)] -= 1
        changes[int(float(d.get("subscribed_at") or 0) // records.HOUR)] += 1
    pipe = r.pipeline()
    pipe.delete(records.COUNTS_KEY, records.CHANGES_KEY)
    pipe.hset(records.COUNTS_KEY, mapping=dict(counts))
    if changes:
        pipe.hset(records.CHANGES_KEY, mapping=dict(changes))
    pipe.execute()
    log.info("follower counts rebuilt from %d records", len(found))


def follower_figures(r: redis.Redis, tz: ZoneInfo, days: int = 30) -> dict:
    """Active count, count at the end of each of the last `days` days, and languages; read
    from the counts kept as followers come and go (the same cost at 100 or 100,000)."""
    ensure_counts(r)
    pipe = r.pipeline(transaction=False)
    pipe.hgetall(records.COUNTS_KEY)
    pipe.hgetall(records.CHANGES_KEY)
    counts, changes = pipe.execute()
    active = int(counts.get("active", 0))
    languages = sorted(
        ((name[5:], int(n)) for name, n in counts.items() if name.startswith("lang:")),
        key=lambda pair: -pair[1],
    )
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    first_end = (today - timedelta(days=days - 2)).timestamp() // records.HOUR
    hourly = [(int(h), int(d)) for h, d in changes.items() if int(h) >= first_end]
    series = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        end_hour = (day + timedelta(days=1)).timestamp() // records.HOUR
        # Followers at the day's end: those now, less what changed since (hours are whole in
        # every time zone the console shows, save a few half-hour ones).
        later = sum(delta for hour, delta in hourly if hour >= end_hour)
        series.append((day.strftime("%m-%d"), active - later))
    return {
        "active": active,
        "gone": int(counts.get("gone", 0)),
        "languages": [(name, n) for name, n in languages if n > 0],
        "series": series,
    }


def chart_points(series: list[tuple[str, int]], width: int = 600, height: int = 160) -> dict:
    """SVG coordinates of a line chart of the series (with room for labels)."""
    top = max((count for _, count in series), default=0) or 1
    left, bottom, inner_w, inner_h = 40, height - 20, width - 50, height - 30
    step = inner_w / max(len(series) - 1, 1)
    points = [
        (round(left + i * step, 1), round(bottom - count / top * inner_h, 1))
        for i, (_, count) in enumerate(series)
    ]
    labels = [(points[i][0], series[i][0]) for i in range(0, len(series), max(len(series) // 6, 1))]
    return {
        "width": width,
        "height": height,
        "polyline": " ".join(f"{x},{y}" for x, y in points),
        "labels": labels,
        "top": top,
        "left": left,
        "bottom": bottom,
        "y_top": bottom - inner_h,
    }


def reminder_figures(r: redis.Redis, limit: int = 10) -> dict:
    """How many reminders wait, and the next ones due."""
    from bot.followers import reminders

    upcoming = []
    for member, due in r.zrange(reminders.DUE_KEY, 0, limit - 1, withscores=True):
        openid, _, reminder_id = member.partition("|")
        reminder = reminders.get(r, openid, reminder_id)
        upcoming.append({"due": due, "title": reminder.title if reminder else reminder_id})
    return {
        "due": r.zcard(reminders.DUE_KEY),
        "next_issue": r.zcard(reminders.NEXT_ISSUE_KEY),
        "held": r.scard(reminders.HELD_SET),
        "upcoming": upcoming,
        "now": time.time(),
    }
