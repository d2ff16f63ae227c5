"""Topics a follower follows ("follow trafficking", "关注 trafficking", "unfollow ...", "topics"):
when the next issue is out, its announcement names the stories on their topics."""

from __future__ import annotations

from bot.followers import answers, records
from bot.followers.answers import intent
from bot.followers.upcoming import remind_of_next_issue
from bot.newsletter import store
from bot.newsletter.tokens import tokenize

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40


@intent("follow_topic")
def follow(message, ctx):
    topic = ctx.intent.topic.strip()[:MAX_TOPIC_LENGTH]
    if not tokenize(topic):
        return answers.text(ctx, "topic_unclear", topic=topic)
    mine = records.get(ctx.redis, ctx.openid)
    if mine and topic not in mine.topics and len(mine.topics) >= MAX_TOPICS:
        return answers.text(ctx, "topic_too_many", limit=MAX_TOPICS)
    records.follow_topic(ctx.redis, ctx.openid, topic)
    # The stories on their topics ride on the next issue's announcement.
    remind_of_next_issue(ctx.redis, ctx.openid)
    found = len(store.find_stories(ctx.redis, topic))
    return answers.text(ctx, "topic_followed", topic=topic, found=found)


@intent("unfollow_topic")
def unfollow(message, ctx):
    topic = ctx.intent.topic.strip()
    removed = records.unfollow_topic(ctx.redis, ctx.openid, topic)
    return answers.text(ctx, "topic_unfollowed", topic=topic, removed=removed)


@intent("topics")
def listing(message, ctx):
    mine = records.get(ctx.redis, ctx.openid)
    return answers.text(ctx, "topics_list", topics=sorted(mine.topics) if mine else [])
