"""Followers and tags through wechatpy: user/get paging, user/info, tags and their members."""

from __future__ import annotations

import pytest

from tests.support.sandbox import errcode_of


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


def test_user_get_lists_followers_and_pages_by_next_openid(sandbox, client):
    openids = [sandbox.add_follower(name) for name in ("alice", "bob", "carol")]
    first = client.user.get_followers()
    assert first["total"] == 3 and first["data"]["openid"] == openids
    assert first["next_openid"] == openids[-1]
    rest = client.user.get_followers(openids[0])
    assert rest["data"]["openid"] == openids[1:]
    assert list(client.user.iter_followers()) == openids
    assert errcode_of(lambda: client.user.get_followers("o" + "z" * 27)) == 40003


def test_no_followers_gives_an_empty_page(client):
    answer = client.user.get_followers()
    assert answer["total"] == 0 and answer["count"] == 0 and "data" not in answer


def test_user_info_of_a_follower_and_of_one_who_left(sandbox, client):
    openid = sandbox.add_follower("alice", language="en")
    info = client.user.get(openid)
    assert info["subscribe"] == 1 and info["tagid_list"] == []
    assert info["language"] == "zh_CN"  # for everyone, whatever the phone's language
    assert "nickname" not in info  # WeChat no longer gives names or avatars
    sandbox.unfollow("alice")
    assert client.user.get(openid) == {"subscribe": 0, "openid": openid, "tagid_list": []}
    assert errcode_of(lambda: client.user.get("o" + "q" * 27)) == 40003


def test_tags_are_created_listed_and_applied(sandbox, client):
    alice, bob = sandbox.add_follower("alice"), sandbox.add_follower("bob")
    tag = client.tag.create("Researchers")
    assert tag["id"] >= 100 and tag["name"] == "Researchers"
    client.tag.tag_user(tag["id"], [alice, bob])
    counts = {t["name"]: t["count"] for t in client.tag.get()}
    assert counts["Researchers"] == 2
    assert client.tag.get_tag_users(tag["id"])["data"]["openid"] == [alice, bob]
    client.tag.untag_user(tag["id"], bob)
    assert client.tag.get_tag_users(tag["id"])["data"]["openid"] == [alice]
    assert client.user.get(alice)["tagid_list"] == [tag["id"]]


def test_tag_errors(sandbox, client):
    alice = sandbox.add_follower("alice")
    client.tag.create("Press")
    assert errcode_of(lambda: client.tag.create("Press")) == 45157
    assert errcode_of(lambda: client.tag.create("长" * 11)) == 45158  # 33 bytes
    assert errcode_of(lambda: client.tag.tag_user(12345, alice)) == 45159
    tag_id = client.tag.create("Media")["id"]
    assert errcode_of(lambda: client.tag.tag_user(tag_id, ["o" + "n" * 27])) == 40003
    assert errcode_of(lambda: client.tag.tag_user(tag_id, [alice] * 51)) == 40032


def test_a_follower_carries_at_most_20_tags(sandbox, client):
    alice = sandbox.add_follower("alice")
    ids = [client.tag.create(f"t{n}")["id"] for n in range(21)]
    for tag_id in ids[:20]:
        client.tag.tag_user(tag_id, alice)
    assert errcode_of(lambda: client.tag.tag_user(ids[20], alice)) == 45059
