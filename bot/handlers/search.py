"""Anything else a follower writes is searched: stories, events and policy items of every issue,
in English or Chinese, typos forgiven (bot/followers/search.py); never silence."""

from __future__ import annotations

import json

from bot.followers import answers, cards, texts
from bot.followers.answers import intent
from bot.followers.search import KINDS, query_terms, rank
from bot.newsletter import glossary, store
from bot.webhook import content_cache
from bot.webhook.content_cache import ContentReads

MAX_RESULTS = 5


def _row(kind: str, item: dict, lang: str) -> dict:
    if kind == "events":
        context = answers.date_label(item.get("start", ""), item.get("end", ""), lang)
        if item.get("place"):
            context += ", " if lang != "zh" else "，"
            context += glossary.place_label(item["place"], lang)
        return {
            "kind": "event",
            "title": item["title"],
            "issue": item["issue"],
            "context": context,
            "number": None,
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
    got = ctx.prefetched.get("content_version")
    return int(got[0] or 0) if got else None


# Stands for the follower's words in an answer kept for everyone who asks the same: a search
# answer shows the question as it was written, while its hits depend only on the terms.
QUERY = "\x00query\x00"


@intent("search")
def search(message, ctx):
    query = ctx.intent.text
    reads = ctx.redis
    terms = query_terms(reads, query, index_version(ctx))
    if not isinstance(reads, ContentReads):
        return _answer(ctx, query, terms)
    # The issues' word indexes come from this process's copy for the index version; the
    # answer is kept per the terms that have hits and the number of terms (what the ranking
    # reads), so that the same question with another number appended costs a lookup.
    lists = _word_indexes(reads, terms)
    having = tuple(t for i, t in enumerate(terms) if any(lists[kind][i] for kind in KINDS))
    key = ("search", having, len(terms), ctx.lang)
    kept = reads.cache.get(key)
    if kept is None:
        kept = _answer(ctx, QUERY, terms, lists).content
        content_cache.keep(reads.cache, key, kept)
    return answers.FullText(kept.replace(QUERY, query))


def _word_indexes(reads: ContentReads, terms: list[str]) -> dict[str, list[list]]:
    """store.postings for KINDS, each term's kept for the index version as it was read (the
    lists are only read: no copy per search, as the content cache's reads make)."""
    kept = reads.cache
    found = {t: kept.get(("word index", t)) for t in terms}
    missing = [t for t, lists in found.items() if lists is None]
    if missing:
        read = store.postings(reads, KINDS, missing)
        for i, term in enumerate(missing):
            found[term] = {kind: read[kind][i] for kind in KINDS}
            content_cache.keep(kept, ("word index", term), found[term])
    by_term = [found[t] for t in terms]
    return {kind: [lists[kind] for lists in by_term] for kind in KINDS}


def _answer(ctx, query: str, terms: list[str], lists: dict | None = None):
    """The search answer for these terms (the query is only shown)."""
    hits, total = rank(ctx.redis, terms, limit=MAX_RESULTS * 3, lists=lists)
    if not hits:
        return answers.text(ctx, "search_none", query=query)
    # Only the best hits are parsed: enough to fill the answer after merging duplicates.
    best = [(kind, json.loads(member)) for _, kind, member in hits]
    rows: list[dict] = []
    items: list[dict] = []
    merged = 0
    by_title: dict[tuple, dict] = {}
    for kind, item in best:
        row = _row(kind, item, ctx.lang)
        same = by_title.get((row["title"].casefold(), row["issue"]))
        if same is not None:
            # A story and the event it reports share a title: one line says both.
            same["event"] = same.get("event") or (item if kind == "events" else None)
            merged += 1
            continue
        row["event"] = item if kind == "events" else None
        by_title[(row["title"].casefold(), row["issue"])] = row
        rows.append(row)
        items.append(item)
    shown = rows[:MAX_RESULTS]
    events = [row["event"] for row in shown if row["event"]]
    # The articles of the results' issues and the events' numbers: one round trip.
    issues = cards.issues_of(items[:MAX_RESULTS])
    pipe = ctx.redis.pipeline(transaction=False)
    cards.queue_published(pipe, issues)
    store.queue_event_numbers(pipe, events)
    read = pipe.execute()
    published, ranks = (read[0], read[1:]) if issues else ([], read)
    numbers = iter(store.read_event_numbers(ranks))
    urls = cards.urls_from(ctx.redis, items[:MAX_RESULTS], issues, published)
    for row, url in zip(shown, urls, strict=True):
        row["url"] = url
        row["number"] = next(numbers) if row.pop("event") else None
    for row in rows[MAX_RESULTS:]:
        row.pop("event", None)
    total -= merged
    return answers.text(ctx, "search_results", query=query, results=shown, total=total)


@intent("too_short", "empty")
def too_short(message, ctx):
    return answers.text(ctx, "too_short")


@intent("more")
def more(message, ctx):
    page = texts.next_page(ctx.redis, ctx.openid, ctx.lang)
    return answers.NextPage(page) if page else answers.text(ctx, "more_none")
