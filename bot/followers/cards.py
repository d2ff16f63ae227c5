"""An issue as followers receive it: news cards once published, else its contents as text."""

from __future__ import annotations

import json
import logging

import redis

from bot.followers import answers
from bot.newsletter import store
from bot.publishing import published_articles
from bot.webhook.replies import MAX_ARTICLES, MAX_ARTICLES_TO_MESSAGE, NewsArticle, NewsReply

log = logging.getLogger(__name__)


def published_cards(r: redis.Redis, number: int) -> list[NewsArticle]:
    """The issue's published articles as news cards (empty until publishing stored their URLs)."""
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


def _cards_from(articles: list[dict]) -> list[NewsArticle]:
    return [
        NewsArticle(
            title=a.get("title", ""),
            description=a.get("digest", ""),
            pic_url=a.get("cover_url") or a.get("thumb_url") or a.get("pic_url") or "",
            url=a.get("url") or a.get("article_url") or "",
        )
        for a in articles
        if a.get("url") or a.get("article_url")
    ]


_sections_by_article: dict[tuple, list[list[str]]] = {}


def _article_sections(r: redis.Redis, number: int) -> list[list[str]]:
    """The section titles of each section article of the issue, as the renderer groups them
    (the lead article comes before them); parsed once per stored version and process."""
    meta = store.issue_meta(r, number)
    key = (number, meta.get("current"), meta.get(f"v{meta.get('current')}:saved_at"))
    if key not in _sections_by_article:
        from bot.newsletter.render import group_sections

        issue = store.get_issue(r, number)
        groups = group_sections(issue) if issue else []
        if len(_sections_by_article) > 64:
            _sections_by_article.clear()
        _sections_by_article[key] = [[s.title for s in group] for group in groups]
    return _sections_by_article[key]


def _url_in(r: redis.Redis, cards: list[NewsArticle], number: int, section_title: str) -> str:
    """The card of the article that carries a section; the lead article when none is known.

    WeChat's article links take no anchor to a place inside the article (its editor drops
    element ids), so the link opens the article that holds the story, at its top.
    """
    if not cards:
        return ""
    if section_title:
        groups = _article_sections(r, number)
        if len(groups) + 1 == len(cards):
            for ordinal, titles in enumerate(groups, 1):
                if section_title in titles:
                    return cards[ordinal].url
        from bot.newsletter.textfit import display_title

        wanted = display_title(section_title).casefold()
        for card in cards[1:]:
            if wanted in card.title.casefold() or card.title.casefold().rstrip(".… ") in wanted:
                return card.url
    return cards[0].url


def story_url(r: redis.Redis, item: dict) -> str:
    """The published article that holds a story, event or search hit (its issue and section
    title), else ""."""
    return story_urls(r, [item])[0]


def story_urls(r: redis.Redis, items: list[dict]) -> list[str]:
    """story_url for several items, reading each issue's published articles once (one MGET)."""
    numbers = issues_of(items)
    pipe = r.pipeline(transaction=False)
    queue_published(pipe, numbers)
    return urls_from(r, items, numbers, pipe.execute()[0] if numbers else [])


def issues_of(items: list[dict]) -> list[int]:
    return sorted({item["issue"] for item in items if item.get("issue") is not None})


def queue_published(pipe, numbers: list[int]) -> None:
    """Queue the read of these issues' published articles (for urls_from) on a pipeline."""
    from bot.publishing.content import published_key

    if numbers:
        pipe.mget([published_key(n) for n in numbers])


def urls_from(r: redis.Redis, items: list[dict], numbers: list[int], raw: list) -> list[str]:
    """The article links of items, from the published articles queue_published read."""
    cards = {
        n: _cards_from(json.loads(value)) if value else []
        for n, value in zip(numbers, raw, strict=True)
    }
    return [
        _url_in(
            r, cards.get(item.get("issue"), []), item.get("issue"), item.get("section_title", "")
        )
        for item in items
    ]
