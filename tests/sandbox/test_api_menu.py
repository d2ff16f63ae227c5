"""menu/create|get|delete through wechatpy, with WeChat's checks on buttons."""

from __future__ import annotations

import pytest

from tests.support.sandbox import errcode_of

MENU = {
    "button": [
        {"type": "click", "name": "最新一期", "key": "LATEST_ISSUE"},
        {
            "name": "More",
            "sub_button": [
                {"type": "click", "name": "Events", "key": "EVENTS"},
                {"type": "view", "name": "Website", "url": "https://www.iom.int/"},
            ],
        },
    ]
}


@pytest.fixture
def client(sandbox):
    return sandbox.wechat_client()


def test_menu_create_get_delete(client):
    assert client.menu.get() is None  # wechatpy turns 46003 (no menu) into None
    client.menu.create(MENU)
    buttons = client.menu.get()["menu"]["button"]
    assert buttons[0] == {**MENU["button"][0], "sub_button": []}
    assert [b["key"] for b in buttons[1]["sub_button"] if "key" in b] == ["EVENTS"]
    client.menu.delete()
    assert client.menu.get() is None


def test_current_selfmenu_info_shows_the_live_menu(client):
    assert client.menu.get_menu_info()["is_menu_open"] == 0
    client.menu.create(MENU)
    info = client.menu.get_menu_info()
    buttons = info["selfmenu_info"]["button"]
    assert info["is_menu_open"] == 1 and buttons[0]["key"] == "LATEST_ISSUE"
    assert [b["name"] for b in buttons[1]["sub_button"]["list"]] == ["Events", "Website"]


def _button(**fields):
    return {"type": "click", "name": "Go", "key": "GO", **fields}


@pytest.mark.parametrize(
    ("menu", "errcode"),
    [
        ({"button": []}, 40016),
        ({"button": [_button()] * 4}, 40016),
        ({"button": [_button(type="teleport")]}, 40017),
        ({"button": [_button(name="五个汉字啊啊")]}, 40018),  # 18 bytes > 16
        ({"button": [_button(key="k" * 129)]}, 40019),
        ({"button": [_button(type="view", url="ftp://x")]}, 40020),
        ({"button": [{"name": "Sub", "sub_button": [_button()] * 6}]}, 40023),
        ({"button": [{"name": "Sub", "sub_button": [_button(type="x")]}]}, 40024),
        ({"button": [{"name": "Sub", "sub_button": [_button(name="n" * 61)]}]}, 40025),
        ({"button": [{"name": "Sub", "sub_button": [_button(key="")]}]}, 40026),
        ({"button": [{"name": "Sub", "sub_button": [_button(type="view", url="")]}]}, 40027),
    ],
)
def test_menu_checks(client, menu, errcode):
    assert errcode_of(lambda: client.menu.create(menu)) == errcode


def test_limits_at_the_edge_are_accepted(client):
    sub = [_button(name="n" * 60, key="k" * 128)] * 5
    client.menu.create({"button": [{"name": "四个汉字", "sub_button": sub}] * 3})
    assert len(client.menu.get()["menu"]["button"]) == 3
