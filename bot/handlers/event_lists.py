"""Events: upcoming ("events", "活动", menu), past ("past events", "往期活动", menu), filtered by
period or topic ("events July 2021", "2021年7月活动", "events trafficking"), one ("event 2").

Upcoming means announced in any issue (COMING SOON) with a period that has not ended today, in
the account's time zone; the announcements are read from one index, not issue by issue.
"""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import intent
from bot.followers.search import query_terms
from bot.followers.upcoming import announcement_row, newest_announcements, upcoming_rows
from bot.newsletter import glossary, store

FORMATS_ZH = {"online": "线上", "hybrid": "线上线下结合", "in-person": "线下", "in person": "线下"}


def _event_row(event: dict, number: int, lang: str) -> dict:
    fmt = event.get("format", "")
    return {
        "number": number,
        "title": event["title"],
        "date": answers.date_label(event.get("start", ""), event.get("end", ""), lang),
        "place": glossary.place_label(event.get("place", ""), lang),
        "format": FORMATS_ZH.get(fmt.lower(), fmt) if lang == "zh" else fmt,
        "issue": event.get("issue"),
    }


@intent("events", menu="EVENTS_UPCOMING")
def upcoming(message, ctx):
    if store.latest_number(ctx.redis) is None:
        return answers.text(ctx, "no_issue")
    rows = upcoming_rows(ctx)
    if rows:
        return answers.text(ctx, "events_upcoming", items=rows)
    return answers.text(ctx, "events_none_left", newest=newest_announcements(ctx))


# A listing stops here: past that, followers ask for a year or a topic (a long listing would
# cost every follower who asks for it, and nobody pages through it on a phone).
MAX_LISTED = 40


@intent("past_events", menu="EVENTS_PAST")
def past(message, ctx):
    events = store.all_events(ctx.redis, newest_first=True, limit=MAX_LISTED)
    older = store.event_count(ctx.redis) - len(events) if len(events) == MAX_LISTED else 0
    rows = [_event_row(e, i, ctx.lang) for i, e in enumerate(events, 1)]
    return answers.text(ctx, "events_past", events=rows, older=older)


def _year_label(first: str, last: str, lang: str) -> str | None:
    if first.endswith("-01") and last.endswith("-12") and first[:4] == last[:4]:
        return first[:4] + ("年" if lang == "zh" else "")
    return None


@intent("events_filter")
def filtered(message, ctx):
    wanted = ctx.intent
    r = ctx.redis
    remindable = {(u["issue"], u["index"]): u["number"] for u in upcoming_rows(ctx)}
    if wanted.period:
        first, last = wanted.period
        found = store.events_in_period(r, first, last)[::-1]
        total = len(found)
        announced = store.announcements_in_period(r, first, last)
        label = _year_label(first, last, ctx.lang) or answers.period_label(first, last, ctx.lang)
    else:
        terms = query_terms(r, wanted.topic)
        found, total = store.newest_events_with(r, terms, MAX_LISTED)
        announced = store.find_announcements(r, terms) if terms else []
        label = wanted.topic
    older = max(0, total - MAX_LISTED)
    found = found[:MAX_LISTED]
    numbers = store.event_numbers(r, found)
    rows = [_event_row(e, n, ctx.lang) for e, n in zip(found, numbers, strict=True)]
    rows.sort(key=lambda row: row["number"] or len(rows) + 1)
    coming = [
        announcement_row(u, remindable.get((u["issue"], u["index"]), 0), ctx.lang)
        for u in announced
    ]
    if not rows and not coming:
        return answers.text(ctx, "events_filtered_none", label=label)
    return answers.text(
        ctx, "events_filtered", label=label, events=rows, upcoming=coming, older=older
    )


@intent("event")
def one_event(message, ctx):
    wanted = ctx.intent
    event = store.event_by_number(ctx.redis, wanted.number or 0)
    if event is None:
        count = store.event_count(ctx.redis)
        return answers.text(ctx, "event_missing", number=wanted.number, count=count)
    row = _event_row(event, wanted.number, ctx.lang)
    url = cards.story_url(ctx.redis, event)
    return answers.text(ctx, "event_detail", event=row, story=event.get("story", ""), url=url)
