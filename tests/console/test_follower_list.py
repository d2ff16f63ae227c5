"""The Followers page: a paged, searchable list with names from WeChat, and the account's tags."""

from __future__ import annotations

import html
import re

import pytest

from bot import create_app
from bot.followers import directory, records
from tests.console.conftest import signed_in
from tests.support.live import serve_wsgi


@pytest.fixture
def live_app(sandbox, settings_env, redis_client, staff):
    """The bot as the sandbox's webhook, so followers reach it as they would from WeChat."""
    app = create_app({**settings_env, "WECHAT_API_BASE": sandbox.api_base, "TESTING": True})
    with serve_wsgi(app) as url:
        sandbox.configure(webhook_url=f"{url}/wechat")
        yield app


def _names(html: str) -> list[str]:
    return re.findall(r'<span class="follower" title="[^"]+">([^<]+)</span>', html)


def test_followers_are_listed_by_their_wechat_names_and_found_by_search(
    live_app, sandbox, redis_client
):
    sandbox.follow("mei")
    sandbox.follow("alice", language="en")
    sandbox.say("alice", "hello")
    editor = signed_in(live_app, redis_client, "erin")

    page = editor.get("/console/followers").get_data(as_text=True)
    # The latest active first; names are the remarks WeChat answers for them.
    assert _names(page) == ["alice", "mei"]
    assert "2 followers" in page
    assert sandbox.openid("mei") in page  # on hover, not as the name

    found = editor.get("/console/followers?q=ME").get_data(as_text=True)
    assert _names(found) == ["mei"]
    assert "1 follower match" in found
    assert "No follower matches" in editor.get("/console/followers?q=zed").get_data(as_text=True)


def test_renaming_a_follower_sets_their_remark_in_wechat(live_app, sandbox, redis_client):
    sandbox.follow("alice", language="en")
    openid = sandbox.openid("alice")
    editor = signed_in(live_app, redis_client, "erin")
    editor.get("/console/followers")

    answer = editor.post(
        f"/console/followers/{openid}/name",
        data={"name": "Alice Dupont", "csrf_token": editor.csrf},
        follow_redirects=True,
    )
    assert "saved, here and in WeChat" in answer.get_data(as_text=True)
    assert sandbox.follower(openid)["remark"] == "Alice Dupont"
    found = editor.get("/console/followers?q=dupont").get_data(as_text=True)
    assert _names(found) == ["Alice Dupont"]
    audit = editor.get("/console/audit").get_data(as_text=True)
    assert "named follower" in audit

    too_long = editor.post(
        f"/console/followers/{openid}/name",
        data={"name": "x" * 31, "csrf_token": editor.csrf},
        follow_redirects=True,
    )
    assert "at most 30 characters" in too_long.get_data(as_text=True)
    assert sandbox.follower(openid)["remark"] == "Alice Dupont"


def test_the_list_pages_through_many_followers(live_app, redis_client):
    for i in range(120):
        records.subscribe(redis_client, f"oFollower{i:03d}xxxxxxxxxxxxxxxxx", now=1_700_000_000 + i)
        directory.remember_name(redis_client, f"oFollower{i:03d}xxxxxxxxxxxxxxxxx", f"reader {i}")
    editor = signed_in(live_app, redis_client, "erin")

    first = editor.get("/console/followers").get_data(as_text=True)
    assert "120 followers" in first
    names = _names(first)
    assert len(names) == directory.PAGE_SIZE and names[0] == "reader 119"
    assert "offset=50" in first and "previous" not in first

    last = editor.get("/console/followers?offset=100").get_data(as_text=True)
    assert _names(last) == [f"reader {i}" for i in range(19, -1, -1)]
    assert "next →" not in last and "offset=50" in last


def test_tags_are_shown_with_their_follower_counts(live_app, sandbox, redis_client):
    sandbox.follow("mei")
    client = sandbox.wechat_client()
    tag = client.tag.create("Researchers")
    client.tag.tag_user(tag["id"], [sandbox.openid("mei")])
    editor = signed_in(live_app, redis_client, "erin")

    page = editor.get("/console/followers").get_data(as_text=True)
    assert re.search(r'data-label="Tag">Researchers</td><td data-label="Followers">1<', page)


def test_the_page_still_lists_followers_when_wechat_does_not_answer(app, redis_client, staff):
    records.subscribe(redis_client, "oUnknownToWeChatxxxxxxxxxxxxx", now=1_700_000_000)
    editor = signed_in(app, redis_client, "erin")  # its API base is a closed port

    page = html.unescape(editor.get("/console/followers").get_data(as_text=True))
    assert _names(page) == ["follower …xxxxxx"]
    assert "did not answer for the followers' names" in page
    assert "did not answer for the tags" in page
