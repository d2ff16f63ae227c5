"""Anything else a follower writes is searched: stories, events and policy items of every issue,
in English or Chinese, typos forgiven (bot/followers/search.py); never silence."""

from __future__ import annotations

from bot.followers import answers, cards, texts
from bot.followers.answers import intent
from bot.followers.search import ranked
from bot.newsletter import glossary, store

MAX_RESULTS = 5


def _row(kind: str, item: dict, lang: str, event_numbers: dict) -> dict:
    if kind == "events":
        context = answers.date_label(item.get("start", ""), item.get("end", ""), lang)
        if item.get("place"):
            context += ", " if lang != "zh" else "，"
            context += glossary.place_label(item["place"], lang)
        number = event_numbers.get((item["issue"], item["title"], item.get("start")))
        return {
            "kind": "event",
            "title": item["title"],
            "issue": item["issue"],
            "context": context,
            "number": number,
        }
    if kind == "policies":
        return {
            "kind": "policy",
            "title": item["title"],
            "issue": item["issue"],
            "context": " ".join(x for x in (item.get("date", ""), item.get("url", "")) if x),
            "number": None,
        }
    return {
        "kind": "story",
        "title": item["title"],
        "issue": item["issue"],
        "context": item.get("lead") or item.get("section_title", ""),
        "number": None,
    }


def index_version(ctx) -> int | None:
    """The index version read with the webhook's claim (None: read it when needed)."""
    got = ctx.prefetched.get("search_reads")
    return int(got[0] or 0) if got else None


@intent("search")
def search(message, ctx):
    query = ctx.intent.text
    hits = ranked(ctx.redis, query, index_version(ctx))
    if not hits:
        return answers.text(ctx, "search_none", query=query)
    numbers = {}
    if any(kind == "events" for _, kind, _ in hits):
        all_events = store.all_events(ctx.redis)
        numbers = {(e["issue"], e["title"], e.get("start")): i for i, e in enumerate(all_events, 1)}
    shown: list[dict] = []
    items: list[dict] = []
    # Per title, the row shown (or, past the shown ones, only its issue: a large archive has
    # hundreds of hits, and only MAX_RESULTS are written out).
    by_title: dict[str, dict] = {}
    total = 0
    for _, kind, item in hits:
        title = item["title"].casefold()
        same = by_title.get(title)
        if same is not None and same["issue"] == item["issue"]:
            # A story and the event it reports share a title: one line says both.
            if kind == "events" and "kind" in same and not same.get("number"):
                same["number"] = numbers.get((item["issue"], item["title"], item.get("start")))
            continue
        total += 1
        if len(shown) < MAX_RESULTS:
            row = _row(kind, item, ctx.lang, numbers)
            shown.append(row)
            items.append(item)
            by_title[title] = row
        else:
            by_title[title] = {"issue": item["issue"]}
    for row, url in zip(shown, cards.story_urls(ctx.redis, items), strict=True):
        row["url"] = url
    return answers.text(ctx, "search_results", query=query, results=shown, total=total)


@intent("too_short", "empty")
def too_short(message, ctx):
    return answers.text(ctx, "too_short")


@intent("more")
def more(message, ctx):
    page = texts.next_page(ctx.redis, ctx.openid, ctx.lang)
    return answers.NextPage(page) if page else answers.text(ctx, "more_none")
