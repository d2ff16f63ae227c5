"""Sending due reminders: through the customer-service API to followers with an open window
(counted against it, see bot.wechat.service_window), held for the next answer for the others;
never twice, never to someone who left."""

from __future__ import annotations

import logging
import time
from collections import Counter

import redis

from bot.followers import answers, records, reminders, sending, texts
from bot.followers.upcoming import remind_of_next_issue
from bot.newsletter import store
from bot.publishing import published_articles
from bot.webhook.replies import NewsReply, TextReply
from bot.wechat import service_window

log = logging.getLogger(__name__)

RETRY_AFTER = 300


def topic_matches(r: redis.Redis, topics: set[str], number: int, limit: int = 5) -> list[dict]:
    """Stories of issue `number` about the follower's topics (title and the topic), once each."""
    from bot.followers.cards import story_urls

    found: dict[str, dict] = {}
    for topic in sorted(topics):
        for story in store.find_stories(r, topic):
            if story["issue"] == number and story["title"] not in found:
                found[story["title"]] = {
                    "title": story["title"],
                    "topic": topic,
                    "issue": number,
                    "section_title": story.get("section_title", ""),
                }
    matches = list(found.values())[:limit]
    # Each story's link opens the article that holds it.
    for match, url in zip(matches, story_urls(r, matches), strict=True):
        match["url"] = url
    return matches


def _issue_reminder_text(r: redis.Redis, follower, number: int) -> tuple[str, dict]:
    """The text announcing issue `number` (and its news card, when published and the text has
    nothing a card cannot say)."""
    from bot.followers.cards import published_cards

    lang = follower.language
    summary = next((s for s in store.list_issues(r) if s["number"] == number), {})
    cards = published_cards(r, number)
    matches = topic_matches(r, follower.topics, number)
    text = texts.say(
        "reminder_issue",
        lang,
        number=number,
        month=answers.month_label(summary.get("month", ""), lang),
        title=summary.get("title", ""),
        url=cards[0].url if cards else "",
        matches=matches,
    )
    return text, ({"card": cards[0]} if cards and not matches else {})


def _event_reminder_text(reminder, lang: str) -> str:
    start, _, end = reminder.period.partition("/")
    period = answers.period_label(start, end, lang)
    return texts.say("reminder_event", lang, title=reminder.title, period=period)


def _deliver_one(r, client, openid: str, reminder_id: str, now: float, published: int | None):
    """Send, hold or drop one claimed reminder; returns what happened."""
    reminder = reminders.get(r, openid, reminder_id)
    follower = records.get(r, openid)
    if reminder is None or reminder.state != reminders.PENDING:
        return "skipped"
    if follower is None or not follower.active:
        reminders.mark(r, openid, reminder_id, "cancelled")
        return "cancelled"
    extra: dict = {}
    if reminder.kind == "issue":
        text, extra = _issue_reminder_text(r, follower, published)
        if follower.topics:
            # Topic followers keep hearing of each new issue until they unfollow.
            remind_of_next_issue(r, openid, after=published)
    else:
        text = _event_reminder_text(reminder, follower.language)
    if not service_window.remaining(r, openid, now):
        reminders.hold(r, openid, reminder_id, text)
        return "held"
    # Recorded before the call: if this process dies during it, the reminder is not sent again.
    reminders.mark(r, openid, reminder_id, reminders.SENDING)
    card = extra.get("card")
    try:
        sending.send(client, openid, NewsReply([card]) if card else TextReply(text))
    except sending.NotSent as refused:
        if refused.waits_for_follower:
            reminders.hold(r, openid, reminder_id, text)
            return "held"
        if refused.retryable:
            log.warning("reminder %s to %s: %s; retrying later", reminder_id, openid, refused)
            reminders.retry_later(r, openid, reminder_id, now + RETRY_AFTER)
            return "retry"
        log.error("reminder %s to %s not sent: %s", reminder_id, openid, refused)
        reminders.hold(r, openid, reminder_id, text)
        return "held"
    reminders.mark(r, openid, reminder_id, reminders.SENT)
    log.info("reminder %s sent to %s", reminder_id, openid)
    return "sent"


def _send_held(r, client, now: float) -> Counter:
    """Held reminders of followers whose window opened again (their answer was a card)."""
    done: Counter = Counter()
    for openid in reminders.held_followers(r):
        if not service_window.remaining(r, openid, now):
            continue
        items = reminders.take_held(r, openid)
        for i, item in enumerate(items):
            try:
                sending.send(client, openid, TextReply(item["text"]))
            except sending.NotSent as refused:
                log.info("held reminders of %s stay held: %s", openid, refused)
                reminders.put_back(r, openid, items[i:])
                break
            reminders.mark(r, openid, item["id"], reminders.DELIVERED)
            done["sent"] += 1
    return done


def send_due(r: redis.Redis, client, now: float | None = None) -> dict[str, int]:
    """Deliver every reminder that is due now; returns counts by outcome."""
    now = time.time() if now is None else now
    outcomes: Counter = Counter()
    for openid, reminder_id in reminders.claim_due(r, now):
        outcomes[_deliver_one(r, client, openid, reminder_id, now, None)] += 1
    published = store.latest_number(r)
    if published is not None and _is_out(r, published):
        for openid, reminder_id in reminders.claim_next_issue(r, published):
            outcomes[_deliver_one(r, client, openid, reminder_id, now, published)] += 1
    outcomes.update(_send_held(r, client, now))
    if outcomes:
        log.info("reminders: %s", dict(outcomes))
    return dict(outcomes)


def _is_out(r: redis.Redis, number: int) -> bool:
    """An issue counts as out once WeChat published it."""
    return bool(published_articles(r, number))
