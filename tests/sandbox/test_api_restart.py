"""The sandbox keeps its platform state in Redis: a restart loses nothing."""

from __future__ import annotations

import time

from tests.support.sandbox import image_bytes, upload


def test_state_survives_a_restart(sandbox):
    client = sandbox.wechat_client()
    openid = sandbox.add_follower("alice")
    thumb = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    media_id = client.draft.add([{"title": "T", "content": "<p>x</p>", "thumb_media_id": thumb}])
    client.menu.create({"button": [{"type": "click", "name": "Latest", "key": "LATEST"}]})
    tag_id = client.tag.create("Kept")["id"]
    sandbox.advance_clock(3600)
    fetches = sandbox.token_fetches()["token"]

    sandbox.restart()

    # The same token still works (no new fetch), and everything is where it was.
    assert client.draft.get(media_id["media_id"])["news_item"][0]["title"] == "T"
    assert client.menu.get()["menu"]["button"][0]["key"] == "LATEST"
    assert client.user.get_followers()["data"]["openid"] == [openid]
    assert tag_id in [t["id"] for t in client.tag.get()]
    assert sandbox.token_fetches()["token"] == fetches
    assert sandbox.now() - time.time() > 3590  # the clock's offset is kept too
    assert len(sandbox.calls()) > 5
