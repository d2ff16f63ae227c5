"""`menu/create|get|delete` with WeChat's checks on counts, types, name, key and URL sizes."""

from __future__ import annotations

from typing import Any

from sandbox.api.calls import body, bp, ok, reply, state
from sandbox.errors import ApiError
from sandbox.state import SandboxState

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
# The button types WeChat accepts and the field each one needs.
BUTTON_TYPES = {
    "click": "key",
    "view": "url",
    "scancode_push": "key",
    "scancode_waitmsg": "key",
    "pic_sysphoto": "key",
    "pic_photo_or_album": "key",
    "pic_weixin": "key",
    "location_select": "key",
    "media_id": "media_id",
    "view_limited": "media_id",
    "article_id": "article_id",
    "article_view_limited": "article_id",
    "miniprogram": "url",
}
# (count, type, name, key, url) errcodes for top-level buttons and for sub-buttons.
TOP_ERRORS = (40016, 40017, 40018, 40019, 40020)
SUB_ERRORS = (40023, 40024, 40025, 40026, 40027)
_NAMES = ("button size", "button type", "button name size", "button key size", "button url size")


def _fail(errors: tuple[int, ...], which: int, sub: bool) -> ApiError:
    return ApiError(errors[which], "invalid " + ("sub " if sub else "") + _NAMES[which])


def _size(value: object) -> int:
    return len(str(value).encode("utf-8"))


def _check_button(button: Any, sub: bool) -> None:
    errors = SUB_ERRORS if sub else TOP_ERRORS
    if not isinstance(button, dict):
        raise ApiError(47001, "data format error")
    name = button.get("name")
    limit = SUB_NAME_BYTES if sub else TOP_NAME_BYTES
    if not isinstance(name, str) or not name or _size(name) > limit:
        raise _fail(errors, 2, sub)
    if not sub and "sub_button" in button and button["sub_button"] != []:
        subs = button["sub_button"]
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB:
            raise ApiError(40023, "invalid sub button size")
        for child in subs:
            _check_button(child, sub=True)
        return
    kind = button.get("type")
    if kind not in BUTTON_TYPES:
        raise _fail(errors, 1, sub)
    field = BUTTON_TYPES[kind]
    value = button.get(field)
    if field == "key" and (not value or _size(value) > KEY_BYTES):
        raise _fail(errors, 3, sub)
    if field == "url" and (
        not isinstance(value, str)
        or not value.startswith(("http://", "https://"))
        or _size(value) > URL_BYTES
    ):
        raise _fail(errors, 4, sub)
    if field in {"media_id", "article_id"} and not value:
        raise ApiError(40007 if field == "media_id" else 40097, f"invalid {field}")


@bp.route("/menu/create", methods=["POST"])
def menu_create():
    data = body()
    buttons = data.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TOP:
        raise ApiError(40016, "invalid button size")
    for button in buttons:
        _check_button(button, sub=False)
    # Stored as record "current" of kind "menu": sandbox.followers reads the buttons from there.
    state().put("menu", "current", {"button": buttons})
    return ok()


def current_menu(st: SandboxState) -> dict[str, Any] | None:
    """The menu as menu/get shows it (every button with its `sub_button` list), or None."""
    menu = st.get("menu", "current")
    if not menu:
        return None
    for button in menu["button"]:
        button.setdefault("sub_button", [])
        for child in button["sub_button"]:
            child.setdefault("sub_button", [])
    return menu


@bp.route("/menu/get", methods=["GET"])
def menu_get():
    menu = current_menu(state())
    if menu is None:
        raise ApiError(46003, "menu no exist")
    return reply(menu=menu)


@bp.route("/get_current_selfmenu_info", methods=["GET"])
def selfmenu_info():
    """The menu live on phones, in this API's own shape (sub-buttons under a `list`)."""
    menu = current_menu(state())
    if menu is None:
        return reply(is_menu_open=0)
    buttons = []
    for button in menu["button"]:
        shown = {k: v for k, v in button.items() if k != "sub_button"}
        if button["sub_button"]:
            shown["sub_button"] = {"list": button["sub_button"]}
        buttons.append(shown)
    return reply(is_menu_open=1, selfmenu_info={"button": buttons})


@bp.route("/menu/delete", methods=["GET"])
def menu_delete():
    state().delete("menu", "current")
    return ok()
