"""`/datacube/*`: the statistics APIs the bot's statistics job and `mmsp-bot doctor` read.

Each takes begin_date and end_date (yyyy-MM-dd) within its maximum span, ending yesterday at the
latest (Beijing time); the sandbox checks the dates as WeChat does and answers from what its
followers did (sandbox.statistics).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sandbox import statistics as counts
from sandbox.api.calls import body, datacube_bp, reply, state
from sandbox.errors import ApiError

BEIJING = timezone(timedelta(hours=8))
# API -> the most days one call may cover.
MAX_DAYS = {
    "getusersummary": 7,
    "getusercumulate": 7,
    "getarticlesummary": 1,
    "getarticletotal": 1,
    "getuserread": 3,
    "getusershare": 7,
}


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


@datacube_bp.route("/<name>", methods=["POST"])
def statistics(name: str):
    if name not in MAX_DAYS:
        raise ApiError(40066, "invalid url")
    data = body()
    begin, end = _date(data.get("begin_date")), _date(data.get("end_date"))
    if begin is None or end is None:
        raise ApiError(61500, "date format error")
    today = datetime.fromtimestamp(state().now(), BEIJING).date()
    if begin > end or (end - begin).days + 1 > MAX_DAYS[name] or end >= today:
        raise ApiError(61501, "date range error")
    st = state()
    if name == "getarticletotal":
        return reply(list=counts.article_total(st, begin, end, today))
    return reply(list=ANSWERS[name](st, begin, end))


ANSWERS = {
    "getusersummary": counts.user_summary,
    "getusercumulate": counts.user_cumulate,
    "getarticlesummary": counts.article_summary,
    "getuserread": counts.user_read,
    "getusershare": counts.user_share,
}
