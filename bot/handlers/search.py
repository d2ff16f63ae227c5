"""Everything else a follower writes: the keyword parser (patterns, typos), then a ranked search
across all issues' stories, events and policy items; never silence."""

from __future__ import annotations

import math

from bot.followers import answers, texts
from bot.followers.answers import answering, intent
from bot.followers.keywords import Intent, understand
from bot.newsletter import store
from bot.newsletter.tokens import tokenize
from bot.webhook.messages import TextMessage
from bot.webhook.router import router
from bot.webhook.texts import render_text

MAX_RESULTS = 5
# Stories are what people look for first; events and policy items come close behind.
KIND_WEIGHT = {"stories": 1.0, "events": 0.8, "policies": 0.8}


def ranked(r, query: str) -> list[tuple[float, str, dict]]:
    """(score, kind, item) for the query, best first: share of words matched, then words in the
    title, then the kind, then the newer issue."""
    words = tokenize(query)
    hits = []
    for kind, weight in KIND_WEIGHT.items():
        for item, matched, total in store.match_counts(r, kind, query):
            if matched < math.ceil(total / 2):
                continue
            in_title = len(words & tokenize(item.get("title", "")))
            score = 10 * matched / total + 2 * in_title / total + weight + 0.01 * item["issue"]
            hits.append((score, kind, item))
    hits.sort(key=lambda h: -h[0])
    return hits


def _row(kind: str, item: dict, lang: str, event_numbers: dict) -> dict:
    if kind == "events":
        context = answers.date_label(item.get("start", ""), item.get("end", ""), lang)
        if item.get("place"):
            context += f", {item['place']}"
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


@intent("search")
def search(ctx, wanted: Intent, click: bool = False):
    hits = ranked(ctx.redis, wanted.text)
    if not hits:
        return answers.text(ctx, "search_none", query=wanted.text)
    numbers = {}
    if any(kind == "events" for _, kind, _ in hits):
        all_events = store.all_events(ctx.redis)
        numbers = {(e["issue"], e["title"], e.get("start")): i for i, e in enumerate(all_events, 1)}
    rows: list[dict] = []
    by_title: dict[str, dict] = {}
    for _, kind, item in hits:
        row = _row(kind, item, ctx.lang, numbers)
        same = by_title.get(row["title"].casefold())
        if same is not None and same["issue"] == row["issue"]:
            # A story and the event it reports share a title: one line says both.
            if row["kind"] == "event" and not same.get("number"):
                same["number"] = row["number"]
            continue
        by_title[row["title"].casefold()] = row
        rows.append(row)
    return answers.text(
        ctx, "search_results", query=wanted.text, results=rows[:MAX_RESULTS], total=len(rows)
    )


@intent("help")
def help_answer(ctx, wanted: Intent | None = None, click: bool = False):
    return answers.FullText(render_text("help", ctx.lang))


@intent("too_short", "empty")
def too_short(ctx, wanted: Intent, click: bool = False):
    return answers.text(ctx, "too_short")


@intent("more")
def more(ctx, wanted: Intent | None = None, click: bool = False):
    page = texts.next_page(ctx.redis, ctx.openid, ctx.lang)
    return answers.NextPage(page) if page else answers.text(ctx, "more_none")


@router.fallback
@answering
def anything_else(message, ctx):
    """Text the table did not match; voice with WeChat's recognition is read as text."""
    if isinstance(message, TextMessage):
        content = message.content
    else:
        content = getattr(message, "recognition", "") or ""
        if not content:
            return answers.text(ctx, "text_only")
    return answers.answer(ctx, understand(content))
