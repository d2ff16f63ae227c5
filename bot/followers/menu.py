"""The account's menu: read from `config/menu.json`, checked against WeChat's limits, compared."""

from __future__ import annotations

import difflib
import json
import unicodedata
from pathlib import Path
from typing import Any

from config import CONFIG_DIR

MENU_FILE = CONFIG_DIR / "menu.json"

# WeChat's limits for menu/create (official doc, "创建自定义菜单").
MAX_BUTTONS = 3
MAX_SUB_BUTTONS = 5
MAX_NAME_BYTES = 16
MAX_SUB_NAME_BYTES = 60
MAX_KEY_BYTES = 128
MAX_URL_BYTES = 1024
# What phones show before cutting a name with "..." (half-width units; a Chinese character is 2).
# Not a rule of the API, so only a warning.
SHOWN_NAME_UNITS = 12
SHOWN_SUB_NAME_UNITS = 16

KEY_TYPES = {
    "click",
    "scancode_push",
    "scancode_waitmsg",
    "pic_sysphoto",
    "pic_photo_or_album",
    "pic_weixin",
    "location_select",
}
REQUIRED = {
    "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"),
    "media_id": ("media_id",),
    "view_limited": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
    **{kind: ("key",) for kind in KEY_TYPES},
}
_FIELDS = ("type", "name", "key", "url", "appid", "pagepath", "media_id", "article_id")


class MenuError(ValueError):
    """The menu file cannot be read or breaks WeChat's rules; the message says where."""


def load(path: Path | str | None = None) -> dict[str, Any]:
    """The menu as WeChat's menu/create expects it (comments dropped)."""
    path = Path(path or MENU_FILE)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MenuError(f"menu file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MenuError(f"{path.name} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("button"), list):
        raise MenuError(f'{path.name} needs a "button" list')
    return canonical(raw)


def canonical(menu: dict[str, Any]) -> dict[str, Any]:
    """Only the fields WeChat knows, in a fixed order (menu/get adds empty sub_button lists)."""

    def button(b: dict[str, Any]) -> dict[str, Any]:
        out = {k: b[k] for k in _FIELDS if b.get(k) not in (None, "")}
        subs = b.get("sub_button") or []
        if isinstance(subs, dict):  # menu/get wraps them as {"list": [...]} for some menus
            subs = subs.get("list", [])
        if subs:
            out = {"name": b.get("name", ""), "sub_button": [button(s) for s in subs]}
        return out

    return {"button": [button(b) for b in menu.get("button", []) if isinstance(b, dict)]}


def _units(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _check_button(b: dict[str, Any], where: str, top: bool, errors: list, warnings: list) -> None:
    name = b.get("name", "")
    limit = MAX_NAME_BYTES if top else MAX_SUB_NAME_BYTES
    if not name:
        errors.append(f"{where}: a name is required")
    elif len(name.encode()) > limit:
        errors.append(f"{where} {name!r}: name is {len(name.encode())} bytes, at most {limit}")
    elif _units(name) > (SHOWN_NAME_UNITS if top else SHOWN_SUB_NAME_UNITS):
        warnings.append(f"{where} {name!r}: long names are cut with '...' on narrow phones")
    if "sub_button" in b:
        return
    kind = b.get("type")
    if kind not in REQUIRED:
        errors.append(f"{where} {name!r}: unknown type {kind!r}")
        return
    for needed in REQUIRED[kind]:
        if not b.get(needed):
            errors.append(f"{where} {name!r}: type {kind} needs {needed!r}")
    key = b.get("key", "")
    if key and len(key.encode()) > MAX_KEY_BYTES:
        errors.append(f"{where} {name!r}: key is longer than {MAX_KEY_BYTES} bytes")
    url = b.get("url", "")
    if url and len(url.encode()) > MAX_URL_BYTES:
        errors.append(f"{where} {name!r}: url is longer than {MAX_URL_BYTES} bytes")
    if url and not url.startswith(("http://", "https://")):
        errors.append(f"{where} {name!r}: url must start with http:// or https://")


def check(menu: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Errors (WeChat would refuse the menu) and warnings (it would look wrong)."""
    errors: list[str] = []
    warnings: list[str] = []
    buttons = menu.get("button", [])
    if not 1 <= len(buttons) <= MAX_BUTTONS:
        errors.append(f"the menu has {len(buttons)} buttons, WeChat allows 1 to {MAX_BUTTONS}")
    keys: dict[str, str] = {}
    for i, b in enumerate(buttons, 1):
        _check_button(b, f"button {i}", True, errors, warnings)
        subs = b.get("sub_button")
        if subs is None:
            continue
        if not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            errors.append(f"button {i} has {len(subs)} sub-buttons, WeChat allows 1 to 5")
        for j, s in enumerate(subs, 1):
            _check_button(s, f"button {i}.{j}", False, errors, warnings)
            if s.get("key"):
                if s["key"] in keys:
                    errors.append(f"button {i}.{j}: key {s['key']} is used twice")
                keys[s["key"]] = s.get("name", "")
    return errors, warnings


def click_keys(menu: dict[str, Any]) -> set[str]:
    """Every click key in the menu (each needs a handler)."""
    keys = set()
    for b in menu.get("button", []):
        for item in b.get("sub_button") or [b]:
            if item.get("type") == "click":
                keys.add(item["key"])
    return keys


def describe(menu: dict[str, Any] | None) -> list[str]:
    """One readable line per button, for the diff staff see before a sync."""
    if not menu or not menu.get("button"):
        return ["(no menu)"]
    lines = []
    for b in canonical(menu)["button"]:
        if "sub_button" in b:
            lines.append(f"{b['name']}")
            lines += [f"  {s['name']}: {_action(s)}" for s in b["sub_button"]]
        else:
            lines.append(f"{b['name']}: {_action(b)}")
    return lines


def _action(b: dict[str, Any]) -> str:
    target = b.get("key") or b.get("url") or b.get("media_id") or b.get("article_id") or ""
    return f"{b.get('type')} {target}".strip()


def diff(current: dict[str, Any] | None, wanted: dict[str, Any]) -> list[str]:
    """A unified diff from what WeChat has to the file; empty when they are the same."""
    if current and canonical(current) == canonical(wanted):
        return []
    return list(
        difflib.unified_diff(
            describe(current), describe(wanted), "WeChat now", "config/menu.json", lineterm=""
        )
    )
