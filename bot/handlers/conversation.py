"""The way into the intent table: text, voice (WeChat's recognised text) and menu clicks go to
`understand()` and `answers.respond()`; images and locations get their own short answers; and
people's ordinary messages (greetings, thanks, emoji, contact, "talk to a person", a letter to
the team) get a short, natural one."""

from __future__ import annotations

from bot.followers import answers, messages
from bot.followers.answers import intent
from bot.followers.keywords import Intent, understand
from bot.newsletter import glossary, store
from bot.webhook.router import router


@router.message_type("text")
def text_message(message, ctx):
    return answers.respond(message, ctx, understand(message.content))


@router.message_type("voice")
def voice_message(message, ctx):
    """Voice is read as text when WeChat recognised it; else the follower is asked to type."""
    said = (message.recognition or "").strip()
    if not said:
        return answers.respond(message, ctx, Intent("voice_unclear"))
    return answers.respond(message, ctx, understand(said))


@router.message_type("image")
def image_message(message, ctx):
    return answers.respond(message, ctx, Intent("image"))


@router.message_type("location")
def location_message(message, ctx):
    return answers.respond(message, ctx, Intent("location"))


@router.message_type("video", "shortvideo", "link")
def other_message(message, ctx):
    return answers.respond(message, ctx, Intent("text_only"))


@router.event("CLICK")
def menu_click(message, ctx):
    """A menu button asks for the intent its key names in the table; an unknown key is ignored
    (a menu newer or older than this code)."""
    wanted = answers.for_menu_key(message.event_key)
    if wanted is None:
        return None
    return answers.respond(message, ctx, wanted, click=True)


# People's ordinary messages ----------------------------------------------------------------


def _contact(ctx) -> str:
    settings = ctx.settings
    zh = getattr(settings, "CONTACT_TEXT_ZH", "")
    en = getattr(settings, "CONTACT_TEXT_EN", "")
    return (zh or en) if ctx.lang == "zh" else (en or zh)


@intent("greeting", "thanks", "emoji", "unsubscribe_help")
def small_talk(message, ctx):
    """Greetings, thanks, emoji, how to unsubscribe: a short answer of the intent's own name."""
    return answers.text(ctx, ctx.intent.name)


@intent("next_issue")
def next_issue(message, ctx):
    latest = store.latest_number(ctx.redis)
    summary = next((s for s in store.list_issues(ctx.redis) if s["number"] == latest), None)
    month = answers.month_label(summary["month"], ctx.lang) if summary else ""
    return answers.text(ctx, "next_issue", latest=latest, month=month)


@intent("contact")
def contact(message, ctx):
    return answers.text(ctx, "contact", contact=_contact(ctx))


@intent("human")
def human(message, ctx):
    return answers.text(ctx, "human", contact=_contact(ctx))


@intent("message")
def letter(message, ctx):
    """A long message that is no command: kept for staff, acknowledged, never echoed."""
    said = getattr(message, "content", "") or getattr(message, "recognition", "") or ""
    messages.keep(ctx.redis, message, said.strip())
    return answers.text(ctx, "message_kept")


@intent("image")
def image(message, ctx):
    messages.keep(ctx.redis, message, "")
    return answers.text(ctx, "image_kept")


@intent("voice_unclear")
def voice_unclear(message, ctx):
    return answers.text(ctx, "voice_unclear")


@intent("location")
def location(message, ctx):
    """Where the follower is: the events of the places near the label, else a word of thanks."""
    label = getattr(message, "label", "") or ""
    places = sorted(glossary.load().concepts(label)) if label else []
    events: list[dict] = []
    for place in places:
        events += [e for e in store.find_events(ctx.redis, [place]) if e not in events]
    events.sort(key=lambda e: e.get("start", ""), reverse=True)
    rows = [
        {
            "title": e["title"],
            "date": answers.date_label(e.get("start", ""), e.get("end", ""), ctx.lang),
            "place": glossary.place_label(e.get("place", ""), ctx.lang),
        }
        for e in events[:5]
    ]
    return answers.text(ctx, "location", label=label, events=rows)


@intent("text_only")
def text_only(message, ctx):
    return answers.text(ctx, "text_only")
