"""The draft box through wechatpy: WeChat's field limits, cover check and content cleaning."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.sandbox import errcode_of, image_bytes, upload


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


@pytest.fixture
def thumb(client) -> str:
    return client.material.add("image", upload("cover.jpg", image_bytes()))["media_id"]


def article(thumb: str, **fields) -> dict:
    return {
        "title": "Migration dialogue",
        "content": "<p>Hello</p>",
        "thumb_media_id": thumb,
        **fields,
    }


def test_draft_round_trip(client, thumb):
    media_id = client.draft.add([article(thumb, author="IOM China", digest="Short")])["media_id"]
    items = client.draft.get(media_id)["news_item"]
    assert [i["title"] for i in items] == ["Migration dialogue"]
    assert items[0]["author"] == "IOM China" and items[0]["thumb_media_id"] == thumb
    page = requests.get(items[0]["url"], timeout=5)
    assert page.status_code == 200 and "Migration dialogue" in page.text
    assert client.draft.count()["total_count"] == 1
    listed = client.draft.batchget(0, 20, 1)
    assert listed["total_count"] == 1 and listed["item"][0]["media_id"] == media_id
    assert "content" not in listed["item"][0]["content"]["news_item"][0]


def test_update_replaces_one_article_and_delete_removes_the_draft(client, thumb):
    media_id = client.draft.add([article(thumb), article(thumb, title="Second")])["media_id"]
    client.draft.update(media_id, 1, article(thumb, title="Second, revised"))
    titles = [i["title"] for i in client.draft.get(media_id)["news_item"]]
    assert titles == ["Migration dialogue", "Second, revised"]
    assert errcode_of(lambda: client.draft.update(media_id, 2, article(thumb))) == 40097
    client.draft.delete(media_id)
    assert client.draft.count()["total_count"] == 0
    assert errcode_of(lambda: client.draft.get(media_id)) == 40007


@pytest.mark.parametrize(
    ("fields", "errcode"),
    [
        ({"title": "t" * 33}, 45003),
        ({"author": "a" * 17}, 45110),
        ({"digest": "d" * 129}, 45004),
        ({"content": "x" * 20000}, 45002),
        ({"thumb_media_id": "no-such-media"}, 40007),
    ],
)
def test_field_limits_give_wechats_errcodes(client, thumb, fields, errcode):
    assert errcode_of(lambda: client.draft.add([article(thumb, **fields)])) == errcode


def test_limits_count_characters_not_bytes(client, thumb):
    chinese = article(thumb, title="移" * 32, author="国" * 16, digest="中" * 128)
    assert client.draft.add([chinese])["media_id"]


def test_empty_article_list_is_44003(sandbox):
    url = f"{sandbox.api_base}draft/add"
    client = sandbox.wechat_client()
    answer = requests.post(url, params={"access_token": client.access_token}, json={"articles": []})
    assert answer.json()["errcode"] == 44003


def test_outside_images_and_scripts_are_dropped(client, thumb):
    own = client.media.upload_image(upload("a.png", image_bytes("PNG")))
    content = (
        f'<p>one</p><img src="{own}"><img src="https://example.org/x.png">'
        "<script>alert(1)</script><p>two</p>"
    )
    media_id = client.draft.add([article(thumb, content=content)])["media_id"]
    stored = client.draft.get(media_id)["news_item"][0]
    assert own in stored["content"]
    assert "example.org" not in stored["content"] and "script" not in stored["content"]
    assert stored["digest"] == "one two"  # an empty digest takes the start of the text


def test_escaped_chinese_is_kept_as_escapes_as_the_doc_warns(sandbox, client, thumb):
    token = client.access_token
    payload = {"articles": [article(thumb, title="移民")]}
    raw = json.dumps(payload, ensure_ascii=True).encode()  # \u79fb\u6c11, not UTF-8
    url = f"{sandbox.api_base}draft/add"
    media_id = requests.post(url, params={"access_token": token}, data=raw, timeout=5).json()
    title = client.draft.get(media_id["media_id"])["news_item"][0]["title"]
    assert title == "\\u79fb\\u6c11"
    client.draft.add([article(thumb, title="移民")])  # wechatpy sends real UTF-8
    titles = {i["content"]["news_item"][0]["title"] for i in client.draft.batchget()["item"]}
    assert "移民" in titles


def test_a_thumb_material_as_cover_is_40007_only_an_image_material_is_taken(client):
    # WeChat staff: thumb_media_id takes the permanent media_id of an *image* material.
    thumb_type = client.material.add("thumb", upload("c.jpg", image_bytes()))["media_id"]
    assert errcode_of(lambda: client.draft.add([article(thumb_type)])) == 40007
    image = client.material.add("image", upload("c.jpg", image_bytes()))["media_id"]
    crops = {"pic_crop_235_1": "0_0_1_0.5", "pic_crop_1_1": "0.25_0_0.75_1"}
    # wechatpy's draft.add drops the crops: posted as the bot's client sends them.
    media_id = client.post("draft/add", data={"articles": [article(image, **crops)]})["media_id"]
    item = client.draft.get(media_id)["news_item"][0]
    assert item["pic_crop_235_1"] == "0_0_1_0.5" and item["pic_crop_1_1"] == "0.25_0_0.75_1"
