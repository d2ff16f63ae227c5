"""Events: upcoming ("events", "活动", menu), past ("past events", "往期活动", menu), filtered by
period or topic ("events July 2021", "2021年7月活动", "events trafficking"), one ("event 2")."""

from __future__ import annotations

from bot.followers import answers, cards
from bot.followers.answers import answering, intent
from bot.followers.keywords import KEYWORDS, Intent
from bot.newsletter import store
from bot.newsletter.tokens import tokenize
from bot.webhook.router import router


def _event_id(event: dict) -> tuple:
    return (event.get("issue"), event.get("title"), event.get("start"))


def numbered_events(r) -> list[dict]:
    """Every event newest first; an event's number is its place here (what "event N" asks)."""
    return store.all_events(r, newest_first=True)


FORMATS_ZH = {"online": "线上", "hybrid": "线上线下结合", "in-person": "线下", "in person": "线下"}


def _event_row(event: dict, number: int, lang: str) -> dict:
    fmt = event.get("format", "")
    return {
        "number": number,
        "title": event["title"],
        "date": answers.date_label(event.get("start", ""), event.get("end", ""), lang),
        "place": event.get("place", ""),
        "format": FORMATS_ZH.get(fmt.lower(), fmt) if lang == "zh" else fmt,
        "issue": event.get("issue"),
    }


def upcoming_rows(r, lang: str) -> tuple[int | None, list[dict]]:
    """The latest issue's number and its COMING SOON items, numbered from 1."""
    number = store.latest_number(r)
    if number is None:
        return None, []
    rows = []
    for i, item in enumerate(store.upcoming_items(r, number), 1):
        start, end = item.get("start", ""), item.get("end", "")
        period = answers.period_label(start, end, lang, item.get("period", ""))
        rows.append({**item, "number": i, "title": item["title"], "period": period})
    return number, rows


@intent("events")
def upcoming(ctx, wanted: Intent | None = None, click: bool = False):
    number, rows = upcoming_rows(ctx.redis, ctx.lang)
    if number is None:
        return answers.text(ctx, "no_issue")
    return answers.text(ctx, "events_upcoming", issue=number, items=rows)


@intent("past_events")
def past(ctx, wanted: Intent | None = None, click: bool = False):
    events = numbered_events(ctx.redis)
    rows = [_event_row(e, i, ctx.lang) for i, e in enumerate(events, 1)]
    return answers.text(ctx, "events_past", events=rows)


@intent("events_filter")
def filtered(ctx, wanted: Intent, click: bool = False):
    r = ctx.redis
    numbers = {_event_id(e): i for i, e in enumerate(numbered_events(r), 1)}
    _, coming = upcoming_rows(r, ctx.lang)
    if wanted.period:
        first, last = wanted.period
        found = store.events_in_period(r, first, last)
        coming = [
            u
            for u in coming
            if u.get("start") and u["start"] <= last and (u.get("end") or u["start"]) >= first
        ]
        label = answers.period_label(first, last, ctx.lang)
        if first.endswith("-01") and last.endswith("-12") and first[:4] == last[:4]:
            label = first[:4] + ("年" if ctx.lang == "zh" else "")
    else:
        found = store.find_events(r, wanted.topic)
        words = tokenize(wanted.topic)
        coming = [u for u in coming if words and words <= tokenize(u["title"])]
        label = wanted.topic
    rows = [_event_row(e, numbers.get(_event_id(e), 0), ctx.lang) for e in found]
    rows.sort(key=lambda row: row["number"] or len(numbers) + 1)
    if not rows and not coming:
        return answers.text(ctx, "events_filtered_none", label=label)
    return answers.text(ctx, "events_filtered", label=label, events=rows, upcoming=coming)


@intent("event")
def one_event(ctx, wanted: Intent, click: bool = False):
    events = numbered_events(ctx.redis)
    if not 1 <= (wanted.number or 0) <= len(events):
        return answers.text(ctx, "event_missing", number=wanted.number, count=len(events))
    event = events[wanted.number - 1]
    row = _event_row(event, wanted.number, ctx.lang)
    url = cards.article_url(ctx.redis, event["issue"], event.get("story", ""))
    return answers.text(ctx, "event_detail", event=row, story=event.get("story", ""), url=url)


@router.click("EVENTS_UPCOMING")
@answering
def upcoming_click(message, ctx):
    return upcoming(ctx, click=True)


@router.click("EVENTS_PAST")
@answering
def past_click(message, ctx):
    return past(ctx, click=True)


@router.keyword(*KEYWORDS["events"])
@answering
def events_keyword(message, ctx):
    return upcoming(ctx)


@router.keyword(*KEYWORDS["past_events"])
@answering
def past_keyword(message, ctx):
    return past(ctx)
