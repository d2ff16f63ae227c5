"""An issue as followers receive it: news cards once published, else its contents as text."""

from __future__ import annotations

import logging

import redis

from bot.followers import answers
from bot.newsletter import store
from bot.webhook.replies import MAX_ARTICLES, MAX_ARTICLES_TO_MESSAGE, NewsArticle, NewsReply

log = logging.getLogger(__name__)


def published_cards(r: redis.Redis, number: int) -> list[NewsArticle]:
    """The issue's published articles as news cards (empty until publishing stored their URLs)."""
    try:
        from bot.publishing import published_articles
    except ImportError:  # the publishing part is not installed in this tree
        return []
    cards = []
    for article in published_articles(r, number) or []:
        url = article.get("url") or article.get("article_url") or ""
        if not url:
            continue
        cover = article.get("cover_url") or article.get("thumb_url") or article.get("pic_url") or ""
        cards.append(
            NewsArticle(
                title=article.get("title", ""),
                description=article.get("digest", ""),
                pic_url=cover,
                url=url,
            )
        )
    return cards


def contents(issue, lang: str) -> dict:
    """What the contents text shows of an issue."""
    return {
        "number": issue.number,
        "month": answers.month_label(issue.month, lang),
        "title": issue.title,
        "sections": [
            {"title": s.title, "stories": [t.title for t in s.stories]} for s in issue.sections
        ],
        "upcoming": len(issue.upcoming),
        "events": len(issue.events),
    }


def issue_answer(ctx, number: int, click: bool = False):
    """Issue `number` as news cards (1 to a message, up to 8 to a click), else its contents."""
    cards = published_cards(ctx.redis, number)
    if cards:
        limit = MAX_ARTICLES if click else MAX_ARTICLES_TO_MESSAGE
        return NewsReply(cards[:limit])
    meta = store.issue_meta(ctx.redis, number)
    version = meta.get("current")
    if not version:
        return answers.text(ctx, "issue_missing", number=number, numbers=known_numbers(ctx.redis))
    saved_at = meta.get(f"v{version}:saved_at", "")
    shown = _contents_of_version(ctx.redis, number, int(version), saved_at, ctx.lang)
    return answers.text(ctx, "issue_contents", issue=shown)


_parsed: dict[tuple, dict] = {}


def _contents_of_version(r, number: int, version: int, saved_at: str, lang: str) -> dict:
    """The contents of one stored version; a version never changes, so each process parses
    it once (the issue's JSON is the largest thing a keyword answer would read). The time it
    was saved tells a version apart from one stored again under its number after data loss."""
    key = (number, version, saved_at, lang)
    if key not in _parsed:
        issue = store.get_issue(r, number, version)
        if len(_parsed) > 64:
            _parsed.clear()
        _parsed[key] = contents(issue, lang)
    return _parsed[key]


def known_numbers(r: redis.Redis) -> list[int]:
    return [s["number"] for s in store.list_issues(r)]


def article_url(r: redis.Redis, number: int, section_title: str = "") -> str:
    """The published article that carries a section (by title), else the issue's lead article."""
    cards = published_cards(r, number)
    if not cards:
        return ""
    wanted = section_title.casefold()
    for card in cards:
        if wanted and wanted in card.title.casefold():
            return card.url
    return cards[0].url
