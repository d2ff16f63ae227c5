"""The webhook's copy of the issues' content: kept per index version, nothing else kept."""

from __future__ import annotations

from bot.webhook.content_cache import ContentReads, cache_for


def test_issue_reads_are_kept_for_one_version_and_other_keys_read_live(redis_client):
    redis_client.set("issue:test:title", "first")
    redis_client.set("follower:test:note", "first")
    reads = ContentReads(redis_client, cache_for(1001))
    assert reads.get("issue:test:title") == "first"
    assert reads.get("follower:test:note") == "first"
    redis_client.set("issue:test:title", "second")
    redis_client.set("follower:test:note", "second")
    # Same version: the issue's key is answered from the copy; a follower's key from Redis.
    assert reads.get("issue:test:title") == "first"
    assert reads.get("follower:test:note") == "second"
    # A new version (an issue stored or published) reads the issue's key again.
    assert ContentReads(redis_client, cache_for(1002)).get("issue:test:title") == "second"


def test_a_pipeline_sends_only_what_is_not_kept_and_keeps_the_order(redis_client):
    redis_client.zadd("issue:test:words", {"a": 1, "b": 2})
    redis_client.set("follower:test:count", "7")
    reads = ContentReads(redis_client, cache_for(2001))
    pipe = reads.pipeline(transaction=False)
    pipe.zrange("issue:test:words", 0, -1, withscores=True)
    pipe.get("follower:test:count")
    assert pipe.execute() == [[("a", 1.0), ("b", 2.0)], "7"]
    redis_client.zadd("issue:test:words", {"c": 3})
    redis_client.set("follower:test:count", "8")
    pipe.get("follower:test:count")
    pipe.zrange("issue:test:words", 0, -1, withscores=True)
    assert pipe.execute() == ["8", [("a", 1.0), ("b", 2.0)]]
    # A caller changing what it got does not change the copy.
    got = reads.zrange("issue:test:words", 0, -1)
    got.append("x")
    assert reads.zrange("issue:test:words", 0, -1) == ["a", "b", "c"]
