"""Statistics in the console: per article on the issue page, follower growth on the Followers
page (SVG charts drawn here, readable without JavaScript), and their CSV downloads."""

from __future__ import annotations

from flask import Response

from bot.console import bp
from bot.console.security import access
from bot.redisdb import get_redis
from bot.stats import charts, report


@bp.app_template_global()
def issue_statistics(number: int) -> dict:
    """The issue's broadcast articles with their charts: readers and shares by day, and the
    read-through of each article."""
    stats = report.issue_statistics(get_redis(), number)
    for article in stats["articles"]:
        days = report.every_day(article)
        article["chart"] = charts.bar_chart(
            [d["date"][5:] for d in days],
            [("readers", [d["readers"] for d in days]), ("shares", [d["shares"] for d in days])],
        )
    through = [a for a in stats["articles"] if a["read_through"] is not None]
    stats["through_chart"] = charts.hbar_chart(
        [a["title"] for a in through], [round(a["read_through"] * 100) for a in through], "%"
    )
    return stats


@bp.app_template_global()
def follower_growth() -> dict:
    """Follower growth as WeChat reports it (getusercumulate, getusersummary), with charts."""
    series = report.growth(get_redis())
    labels = [d["date"][5:] for d in series]
    counted = [d["cumulate_user"] or 0 for d in series]
    return {
        "series": series,
        "line": charts.line_chart(labels, counted),
        "bars": charts.bar_chart(
            labels,
            [
                ("new", [d["new_user"] for d in series]),
                ("left", [d["cancel_user"] for d in series]),
            ],
        ),
    }


def _csv(text: str, filename: str) -> Response:
    return Response(
        "\ufeff" + text,  # a BOM, so that spreadsheet programs read the Chinese titles as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/issues/<int:number>/statistics.csv")
@access("editor")
def issue_statistics_csv(number: int):
    stats = report.issue_statistics(get_redis(), number)
    return _csv(report.issue_csv(stats), f"issue-{number}-statistics.csv")


@bp.get("/followers/growth.csv")
@access("editor")
def follower_growth_csv():
    return _csv(report.growth_csv(report.growth(get_redis())), "follower-growth.csv")
