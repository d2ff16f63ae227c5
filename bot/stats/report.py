"""The stored statistics as the console shows them: per article of an issue, and follower growth."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import redis

from bot.stats import store


def _latest(details: list[dict]) -> dict:
    return max(details, key=lambda d: d.get("stat_date", ""), default={})


def read_through(readers: int, target: int) -> float | None:
    """Readers of the article ÷ the followers it reached (getarticletotal's target_user)."""
    return readers / target if target else None


def issue_statistics(r: redis.Redis, number: int) -> dict:
    """Each broadcast article of issue `number`: its days and its totals."""
    sends = {k: v for k, v in store.broadcasts(r).items() if v["number"] == number}
    articles = []
    for msg_data_id, facts in sorted(sends.items(), key=lambda item: item[1]["day"]):
        days_by_idx: dict[str, list] = {}
        titles: dict[str, str] = {}
        for field, row in store.rows(r, f"stats:article_day:{msg_data_id}").items():
            idx, _, day = field.partition("|")
            titles[idx] = row.get("title", "")
            days_by_idx.setdefault(idx, []).append(
                {
                    "date": day,
                    "readers": int(row.get("int_page_read_user", 0)),
                    "reads": int(row.get("int_page_read_count", 0)),
                    "shares": int(row.get("share_count", 0)),
                    "sharers": int(row.get("share_user", 0)),
                }
            )
        totals = store.rows(r, f"stats:article_total:{msg_data_id}")
        for idx in sorted(set(days_by_idx) | set(totals), key=lambda i: int(i or 0)):
            total = _latest(totals.get(idx, {}).get("details", []))
            readers = int(total.get("int_page_read_user", 0))
            target = int(total.get("target_user", 0))
            articles.append(
                {
                    "msgid": f"{msg_data_id}_{idx}",
                    "sent": facts["day"],
                    "title": totals.get(idx, {}).get("title") or titles.get(idx, ""),
                    "days": sorted(days_by_idx.get(idx, []), key=lambda d: d["date"]),
                    "as_of": total.get("stat_date", ""),
                    "target": target,
                    "readers": readers,
                    "reads": int(total.get("int_page_read_count", 0)),
                    "shares": int(total.get("share_count", 0)),
                    "read_through": read_through(readers, target),
                }
            )
    return {"sends": sends, "articles": articles}


def every_day(article: dict) -> list[dict]:
    """The article's days from its send to the last one counted, with 0 for a day without a
    row (WeChat leaves out an article's day with fewer than 3 readers and shares)."""
    rows = {d["date"]: d for d in article["days"]}
    known = [*rows, article["as_of"]] if article["as_of"] else list(rows)
    if not known:
        return []
    first, last = date.fromisoformat(article["sent"]), date.fromisoformat(max(known))
    out = []
    for n in range((last - first).days + 1):
        day = (first + timedelta(days=n)).isoformat()
        out.append(rows.get(day) or {"date": day, "readers": 0, "reads": 0, "shares": 0})
    return out


def growth(r: redis.Redis, days: int = 30) -> list[dict]:
    """Follower growth of the last `days` days that WeChat reported, oldest first."""
    cumulate = store.rows(r, "stats:user_cumulate")
    summary = store.rows(r, "stats:user_summary")
    known = sorted(set(cumulate) | set(summary))
    if not known:
        return []
    last = date.fromisoformat(known[-1])
    first = max(date.fromisoformat(known[0]), last - timedelta(days=days - 1))
    out = []
    for n in range((last - first).days + 1):
        day = (first + timedelta(days=n)).isoformat()
        out.append(
            {
                "date": day,
                "new_user": int(summary.get(day, {}).get("new_user", 0)),
                "cancel_user": int(summary.get(day, {}).get("cancel_user", 0)),
                "cumulate_user": cumulate.get(day, {}).get("cumulate_user"),
            }
        )
    return out


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def issue_csv(stats: dict) -> str:
    """One line per article and day (getarticlesummary), then its totals (getarticletotal)."""
    rows = []
    for a in stats["articles"]:
        for d in a["days"]:
            rows.append([a["msgid"], a["title"], d["date"], d["readers"], d["reads"], d["shares"]])
            rows[-1] += ["", "", ""]
        through = "" if a["read_through"] is None else f"{a['read_through']:.4f}"
        rows.append([a["msgid"], a["title"], f"total to {a['as_of'] or '-'}", a["readers"]])
        rows[-1] += [a["reads"], a["shares"], a["target"], through, a["sent"]]
    header = ["msgid", "title", "date", "int_page_read_user", "int_page_read_count"]
    header += ["share_count", "target_user", "read_through", "sent"]
    return _csv(header, rows)


def growth_csv(series: list[dict]) -> str:
    rows = [[d["date"], d["new_user"], d["cancel_user"], d["cumulate_user"] or ""] for d in series]
    return _csv(["ref_date", "new_user", "cancel_user", "cumulate_user"], rows)
