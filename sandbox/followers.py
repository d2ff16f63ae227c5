"""What followers do (follow, unfollow, say, send a picture, a voice message or a location,
click, view), each delivered to the webhook."""

from __future__ import annotations

import logging
import re
from typing import Any

from sandbox import delivery, qrcodes, wire
from sandbox.inbox import add_to_inbox, inbox
from sandbox.state import SandboxState

log = logging.getLogger(__name__)

LANGUAGES = ("zh_CN", "zh_TW", "en")
# Where the sandbox pretends a follower's pictures are kept (WeChat's PicUrl is on its CDN).
SANDBOX_PICTURE = "http://sandbox.invalid/pictures/"
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")


class FollowerError(ValueError):
    """An action the follower cannot take (not following, no such button); one line for people."""


def check_name(name: str) -> str:
    """A follower's name as used in commands and URLs (letters, digits, `_.-`, at most 32)."""
    if not _NAME.match(name or ""):
        raise FollowerError(f"follower name {name!r} must be 1-32 letters, digits, '_', '.' or '-'")
    return name


def resolve(state: SandboxState, name: str) -> str:
    """The openid of a follower's name (stable: derived from the appid and the name)."""
    return state.openid_for(check_name(name))


def require_follower(state: SandboxState, name: str) -> dict[str, Any]:
    follower = state.follower(resolve(state, name))
    if not follower or not follower["subscribe"]:
        raise FollowerError(f"{name} does not follow the account (mmsp-bot sandbox follow {name})")
    return follower


def follow(
    state: SandboxState, name: str, language: str = "zh_CN", scene: str = "", ticket: str = ""
) -> dict[str, Any]:
    """Subscribe, optionally through a parametric QR code, and deliver the subscribe event."""
    if language not in LANGUAGES:
        raise FollowerError(f"language must be one of {', '.join(LANGUAGES)}")
    if not isinstance(scene, str) or len(scene) > 64:
        # A QR code's scene_str is 1 to 64 characters.
        raise FollowerError("scene must be text of at most 64 characters")
    openid = resolve(state, name)
    before = state.follower(openid)
    if before and before["subscribe"]:
        raise FollowerError(f"{name} already follows the account")
    follower = state.follow(openid, nickname=name, language=language)
    fields: dict[str, Any] = {"Event": "subscribe", "EventKey": ""}
    if scene:
        fields.update(EventKey=f"qrscene_{scene}", Ticket=ticket or f"sandbox-ticket-{scene}")
    sent = add_to_inbox(state, openid, _event_entry(fields, "followed"), sender="follower")
    outcome = delivery.deliver_event(state, openid, fields)
    return _result(state, openid, follower, sent, outcome)


def scan(state: SandboxState, name: str, scene: str, language: str = "zh_CN") -> dict[str, Any]:
    """Scan a parametric QR code: a SCAN event for a follower, a subscribe for anyone else.

    `scene` is a code made with qrcode/create (its ticket or the URL its image encodes), which
    must not have expired, or a bare scene value for tests of the webhook alone.
    """
    if not isinstance(scene, str) or not scene:
        raise FollowerError("scene is required")
    ticket = f"sandbox-ticket-{scene}"
    code = qrcodes.find_code(state, scene)
    if code is not None:
        if code["expired"]:
            raise FollowerError("this QR code has expired (WeChat shows the same to the follower)")
        scene, ticket = code["scene"], code["ticket"]
    follower = state.follower(resolve(state, name))
    if not follower or not follower["subscribe"]:
        return follow(state, name, language=language, scene=scene, ticket=ticket)
    if len(scene) > 64:
        raise FollowerError("scene must be text of at most 64 characters")
    # Already a follower: no prefix on the key, as WeChat sends it.
    fields = {"Event": "SCAN", "EventKey": scene, "Ticket": ticket}
    entry = _event_entry(fields, "scanned a QR code")
    return _interact(
        state, follower, entry, lambda o: delivery.deliver_event(state, o, fields), window="event"
    )


def unfollow(state: SandboxState, name: str) -> dict[str, Any]:
    """Unsubscribe and deliver the event; WeChat shows no reply to it, so none is recorded."""
    follower = require_follower(state, name)
    openid = follower["openid"]
    fields = {"Event": "unsubscribe", "EventKey": ""}
    sent = add_to_inbox(state, openid, _event_entry(fields, "unfollowed"), sender="follower")
    state.unfollow(openid)
    outcome = delivery.deliver_event(state, openid, fields, record_reply=False)
    return _result(state, openid, state.follower(openid), sent, outcome)


def say(state: SandboxState, name: str, text: str) -> dict[str, Any]:
    """Send a text message to the account."""
    if not text or not text.strip():
        raise FollowerError("the message is empty")
    follower = require_follower(state, name)
    entry = {"type": "text", "content": text}
    return _interact(
        state, follower, entry, lambda o: delivery.deliver_message(state, o, text), window="message"
    )


def send_image(state: SandboxState, name: str, pic_url: str = "") -> dict[str, Any]:
    """Send a picture: WeChat delivers its PicUrl and a MediaId of the temporary material."""
    follower = require_follower(state, name)
    if len(pic_url) > 1024:
        raise FollowerError("the picture URL is too long")
    media_id = f"sandbox-image-{wire.new_msg_id()}"
    url = pic_url or f"{SANDBOX_PICTURE}{media_id}.jpg"
    entry = {"type": "image", "url": url, "label": "sent a picture"}
    fields = {"PicUrl": url, "MediaId": media_id}
    return _interact(
        state,
        follower,
        entry,
        lambda o: delivery.deliver_user_message(state, o, "image", fields),
        window="message",
    )


def send_voice(state: SandboxState, name: str, recognition: str = "") -> dict[str, Any]:
    """Send a voice message; with speech recognition on, WeChat adds the text it heard."""
    follower = require_follower(state, name)
    if len(recognition) > 600:
        raise FollowerError("the recognised text is too long (at most 600 characters)")
    fields = {"MediaId": f"sandbox-voice-{wire.new_msg_id()}", "Format": "amr"}
    if recognition:
        fields["Recognition"] = recognition
    heard = f"said (voice): {recognition}" if recognition else "sent a voice message"
    entry = {"type": "voice", "content": recognition, "label": heard}
    return _interact(
        state,
        follower,
        entry,
        lambda o: delivery.deliver_user_message(state, o, "voice", fields),
        window="message",
    )


def send_location(
    state: SandboxState,
    name: str,
    label: str,
    latitude: float = 0.0,
    longitude: float = 0.0,
    scale: int = 15,
) -> dict[str, Any]:
    """Share a location: WeChat sends latitude (Location_X), longitude, map scale and label."""
    follower = require_follower(state, name)
    if not isinstance(label, str) or len(label) > 200:
        raise FollowerError("the place name must be text of at most 200 characters")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise FollowerError("latitude must be within ±90 and longitude within ±180")
    fields = {
        "Location_X": round(latitude, 6),
        "Location_Y": round(longitude, 6),
        "Scale": int(scale),
        "Label": label,
    }
    entry = {"type": "location", "label": f"shared a location: {label}", "content": label}
    return _interact(
        state,
        follower,
        entry,
        lambda o: delivery.deliver_user_message(state, o, "location", fields),
        # A location the follower sends is a message (unlike the LOCATION event): it opens one.
        window="message",
    )


def click(state: SandboxState, name: str, menu_key: str) -> dict[str, Any]:
    """Tap a `click` button of the account's menu: a CLICK event with the button's key."""
    follower = require_follower(state, name)
    button = find_button(state, "click", "key", menu_key)
    fields = {"Event": "CLICK", "EventKey": menu_key}
    entry = _event_entry(fields, f"tapped {button['name']}")
    return _interact(
        state, follower, entry, lambda o: delivery.deliver_event(state, o, fields), window="event"
    )


def view(state: SandboxState, name: str, url: str) -> dict[str, Any]:
    """Tap a `view` button: the page opens and a VIEW event goes out; no reply is shown."""
    follower = require_follower(state, name)
    button = find_button(state, "view", "url", url)
    fields = {"Event": "VIEW", "EventKey": url}
    entry = {**_event_entry(fields, f"opened {button['name']}"), "url": url}
    # A link opens no customer-service window.
    return _interact(
        state,
        follower,
        entry,
        lambda o: delivery.deliver_event(state, o, fields, False),
        window=None,
    )


def menu_buttons(state: SandboxState) -> list[dict[str, Any]]:
    """The account's menu as menu/get gives it (top buttons with their sub_button lists)."""
    menu = state.get("menu", "current") or {}
    return list(menu.get("button") or [])


def find_button(state: SandboxState, kind: str, field: str, value: str) -> dict[str, Any]:
    """The menu button of this type whose key (or url) is value; FollowerError when none."""
    buttons = menu_buttons(state)
    if not buttons:
        raise FollowerError("the account has no menu (create one with menu/create)")
    for top in buttons:
        for button in [top, *(top.get("sub_button") or [])]:
            if button.get("type") == kind and button.get(field) == value:
                return button
    raise FollowerError(f"the menu has no {kind} button with {field} {value!r}")


def _interact(state, follower, entry, deliver, window: str | None) -> dict[str, Any]:
    """Record what the follower did, open its customer-service window (if any), deliver it,
    gather the replies."""
    openid = follower["openid"]
    state.touch(openid, window)
    sent = add_to_inbox(state, openid, entry, sender="follower")
    return _result(state, openid, follower, sent, deliver(openid))


def _event_entry(fields: dict[str, Any], label: str) -> dict[str, Any]:
    return {"type": "event", "event": fields["Event"], "key": fields["EventKey"], "label": label}


def _result(state, openid, follower, sent, outcome) -> dict[str, Any]:
    return {
        "openid": openid,
        "follower": follower,
        "sent": sent,
        "delivery": {
            "status": outcome.status,
            "attempts": outcome.attempts,
            "error": outcome.error,
        },
        "replies": inbox(state, openid, after=sent["id"]),
    }
