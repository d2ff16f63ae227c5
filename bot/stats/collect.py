"""The statistics job: read WeChat's `datacube` figures of each broadcast and of follower growth.

WeChat's rules shape the asks: each API covers at most 1 (getarticlesummary, getarticletotal),
3 (getuserread) or 7 days (getusershare, getusersummary, getusercumulate) a call, ending
yesterday at the latest in Beijing time, and yesterday's figures are complete only after 08:00
("请于每天上午8点后查询昨日的数据"). A day read once is kept (`stats:done:`) and never asked
again; missed days are caught up in as few calls as the spans allow. getarticletotal, whose
totals grow for 7 days after a send, is asked once a day until the seventh day is in. A refusal
is logged in one line and asked again the next day; only retryable errors are retried.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import redis

from bot.stats import store
from bot.wechat import WeChatAPIError, with_retries

log = logging.getLogger(__name__)

BEIJING = timezone(timedelta(hours=8))
# The most days one call may cover.
SPANS = {
    "getarticlesummary": 1,
    "getarticletotal": 1,
    "getuserread": 3,
    "getusershare": 7,
    "getusersummary": 7,
    "getusercumulate": 7,
}
# Days after a send whose figures WeChat keeps for it (the send day and 6 more).
ARTICLE_DAYS = 7
# Yesterday's figures are complete after this hour (Beijing).
READY_HOUR = 8
# Follower growth is read from this many days before the job's first run.
GROWTH_BACKFILL = 7
LOCK = "stats:lock"


def last_ready_day(now: float) -> date:
    """The latest day WeChat has complete figures for at `now`."""
    moment = datetime.fromtimestamp(now, BEIJING)
    back = 1 if moment.hour >= READY_HOUR else 2
    return moment.date() - timedelta(days=back)


def spans(days: list[date], most: int) -> list[tuple[date, date]]:
    """Runs of consecutive days, cut into pieces of at most `most` days."""
    out: list[tuple[date, date]] = []
    for day in sorted(days):
        if out and (day - out[-1][1]).days == 1 and (day - out[-1][0]).days < most:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def find_broadcasts(r: redis.Redis) -> int:
    """Record the mass sends of the publishing records (`push:sends:` lists) not known yet."""
    known = store.broadcasts(r)
    added = 0
    for key in r.scan_iter(match="push:sends:*:*", count=500):
        _, _, number, _ = key.split(":", 3)
        if not number.isdigit() or r.type(key) != "list":
            continue
        for raw in r.lrange(key, 0, -1):
            send = json.loads(raw)
            if send.get("result") == "failed" or not send.get("msg_id"):
                continue
            msg_data_id = r.hget(f"push:{send['push']}", "msg_data_id") or ""
            if not msg_data_id or msg_data_id in known:
                continue
            day = datetime.fromtimestamp(float(send["at"]), BEIJING).date().isoformat()
            facts = {"number": int(number), "push": send["push"], "day": day}
            store.save_broadcast(r, msg_data_id, facts)
            known[msg_data_id] = facts
            added += 1
            log.info("statistics: issue %s sent %s (%s) to be read", number, msg_data_id, day)
    return added


class Collector:
    """One run of the job: asks what is due, stores what WeChat answered."""

    def __init__(self, r: redis.Redis, client, now: float | None = None):
        self.r = r
        self.client = client
        self.now = time.time() if now is None else now
        self.today = datetime.fromtimestamp(self.now, BEIJING).date().isoformat()
        self.last = last_ready_day(self.now)
        self.calls = 0
        self.refused = 0

    def ask(self, api: str, begin: date, end: date, call: Callable[[], list]) -> list | None:
        """The answer of one call, or None when WeChat refused it (asked again tomorrow)."""
        first = begin.isoformat()
        if store.asked_today(self.r, api, first, self.today):
            return None
        what = f"statistics: {api} {first}..{end.isoformat()}"
        self.calls += 1
        try:
            answer = with_retries(call, attempts=3, what=what)
        except WeChatAPIError as exc:
            self.refused += 1
            store.mark_asked(self.r, api, first, self.today)
            log.warning("%s refused: %s; asked again tomorrow", what, exc)
            return None
        store.mark_asked(self.r, api, first, self.today)
        return answer

    def daily(self, api: str, days: list[date], method: str, keep: Callable[[list], None]) -> None:
        """Ask `api` for the days not read yet, in as few calls as its span allows."""
        due = [d for d in days if d <= self.last and not store.is_done(self.r, api, d.isoformat())]
        fetch = getattr(self.client.datacube, method)
        for begin, end in spans(due, SPANS[api]):
            answer = self.ask(api, begin, end, lambda b=begin, e=end: fetch(b, e))
            if answer is None:
                continue
            keep(answer)
            covered = [begin + timedelta(days=n) for n in range((end - begin).days + 1)]
            store.mark_done(self.r, api, [d.isoformat() for d in covered])

    # -- follower growth ----------------------------------------------------------------------
    def growth(self) -> None:
        self.r.setnx(store.GROWTH_FROM, (self.last - timedelta(GROWTH_BACKFILL - 1)).isoformat())
        start = date.fromisoformat(self.r.get(store.GROWTH_FROM))
        days = [start + timedelta(days=n) for n in range((self.last - start).days + 1)]
        self.daily("getusersummary", days, "get_user_summary", self._keep_summary)
        self.daily("getusercumulate", days, "get_user_cumulate", self._keep_cumulate)

    def _keep_summary(self, rows: list) -> None:
        by_day: dict[str, dict] = {}
        for row in rows:
            day = by_day.setdefault(row["ref_date"], {"new_user": 0, "cancel_user": 0})
            day["new_user"] += int(row.get("new_user", 0))
            day["cancel_user"] += int(row.get("cancel_user", 0))
        store.save_rows(self.r, "stats:user_summary", by_day)

    def _keep_cumulate(self, rows: list) -> None:
        store.save_rows(self.r, "stats:user_cumulate", {row["ref_date"]: row for row in rows})

    # -- articles -------------------------------------------------------------------------------
    def articles(self) -> None:
        sends = store.broadcasts(self.r)
        after: set[date] = set()
        for msg_data_id, facts in sends.items():
            sent = date.fromisoformat(facts["day"])
            after.update(sent + timedelta(days=n) for n in range(ARTICLE_DAYS))
            self._total(msg_data_id, sent)
        days = sorted(after)
        self.daily("getarticlesummary", days, "get_article_summary", self._keep_article_days)
        self.daily("getuserread", days, "get_user_read", self._keep_user_read)
        self.daily("getusershare", days, "get_user_share", self._keep_user_share)

    def _total(self, msg_data_id: str, sent: date) -> None:
        """getarticletotal of the send day, once a day until its seventh day is counted."""
        day = sent.isoformat()
        if sent > self.last or store.is_done(self.r, "getarticletotal", msg_data_id):
            return
        answer = self.ask(
            "getarticletotal", sent, sent, lambda: self.client.datacube.get_article_total(day, day)
        )
        if answer is None:
            return
        prefix = f"{msg_data_id}_"
        mine = {
            row["msgid"].removeprefix(prefix): row
            for row in answer
            if str(row.get("msgid", "")).startswith(prefix)
        }
        store.save_rows(self.r, f"stats:article_total:{msg_data_id}", mine)
        if self.last >= sent + timedelta(days=ARTICLE_DAYS - 1):
            store.mark_done(self.r, "getarticletotal", [msg_data_id])

    def _keep_article_days(self, rows: list) -> None:
        known = store.broadcasts(self.r)
        by_send: dict[str, dict] = {}
        for row in rows:
            msg_data_id, _, idx = str(row.get("msgid", "")).partition("_")
            if msg_data_id in known:
                by_send.setdefault(msg_data_id, {})[f"{idx}|{row['ref_date']}"] = row
        for msg_data_id, found in by_send.items():
            store.save_rows(self.r, f"stats:article_day:{msg_data_id}", found)

    def _keep_user_read(self, rows: list) -> None:
        # The row of all sources (user_source 99999999) when WeChat gives one, else the sum.
        by_day: dict[str, list] = {}
        for row in rows:
            by_day.setdefault(row["ref_date"], []).append(row)
        kept = {}
        for day, found in by_day.items():
            whole = [row for row in found if int(row.get("user_source", 0)) == 99999999]
            kept[day] = whole[0] if whole else _summed(found)
        store.save_rows(self.r, "stats:user_read", kept)

    def _keep_user_share(self, rows: list) -> None:
        kept = {f"{row['ref_date']}|{row.get('share_scene', 0)}": row for row in rows}
        store.save_rows(self.r, "stats:user_share", kept)


def _summed(rows: list[dict]) -> dict:
    out: dict = {"ref_date": rows[0]["ref_date"]}
    for row in rows:
        for name, value in row.items():
            if isinstance(value, int) and name != "user_source":
                out[name] = out.get(name, 0) + value
    return out


def collect(r: redis.Redis, client, now: float | None = None) -> dict[str, int]:
    """One run: find new broadcasts, then read what is due. Overlapping runs wait their turn."""
    lock = r.set(LOCK, "1", nx=True, ex=600)
    if not lock:
        log.info("statistics: another run is reading; this one stops")
        return {"calls": 0, "refused": 0, "skipped": 1}
    try:
        find_broadcasts(r)
        run = Collector(r, client, now)
        run.growth()
        run.articles()
    finally:
        r.delete(LOCK)
    if run.calls:
        log.info("statistics: %d datacube calls, %d refused", run.calls, run.refused)
    return {"calls": run.calls, "refused": run.refused, "skipped": 0}
