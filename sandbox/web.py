"""The follower side over HTTP: JSON endpoints, a phone-like chat page, and the platform view."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from sandbox import delivery, followers, statistics
from sandbox.followers import FollowerError
from sandbox.inbox import inbox
from sandbox.state import SandboxState

log = logging.getLogger(__name__)

bp = Blueprint("sandbox_web", __name__, url_prefix="/sandbox", template_folder="templates")


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _body() -> dict[str, Any]:
    """The request's fields: a JSON object, or a submitted form."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise FollowerError("the body must be a JSON object")
        return data
    return request.form.to_dict()


def _text_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FollowerError(f"{name} is required")
    return value


@bp.app_template_filter("sandbox_time")
def _sandbox_time(value: Any) -> str:
    """An epoch time as UTC date and time; anything else as it is."""
    if isinstance(value, int | float) and value > 0:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(value))
    return str(value or "")


@bp.errorhandler(FollowerError)
def _refused(exc: FollowerError):
    return jsonify(error=str(exc)), 400


# -- JSON: what a follower does --------------------------------------------------------------
@bp.get("/followers")
def list_followers():
    """Everyone who ever followed, with name, openid, language and whether they follow now."""
    st = _state()
    rows = [st.follower(openid) for openid in st.follower_openids()]
    return jsonify(followers=[row for row in rows if row])


@bp.post("/followers/<name>/follow")
def follow(name: str):
    data = _body()
    result = followers.follow(
        _state(), name, language=data.get("language") or "zh_CN", scene=data.get("scene") or ""
    )
    return jsonify(result)


@bp.post("/followers/<name>/scan")
def scan(name: str):
    data = _body()
    scene = _text_field(data, "scene")
    return jsonify(followers.scan(_state(), name, scene, language=data.get("language") or "zh_CN"))


@bp.post("/followers/<name>/unfollow")
def unfollow(name: str):
    return jsonify(followers.unfollow(_state(), name))


@bp.post("/followers/<name>/say")
def say(name: str):
    return jsonify(followers.say(_state(), name, _text_field(_body(), "text")))


@bp.post("/followers/<name>/image")
def image(name: str):
    data = _body()
    return jsonify(followers.send_image(_state(), name, str(data.get("url") or "")))


@bp.post("/followers/<name>/voice")
def voice(name: str):
    data = _body()
    return jsonify(followers.send_voice(_state(), name, str(data.get("recognition") or "")))


@bp.post("/followers/<name>/location")
def location(name: str):
    data = _body()
    try:
        latitude = float(data.get("latitude") or 0)
        longitude = float(data.get("longitude") or 0)
        scale = int(data.get("scale") or 15)
    except (TypeError, ValueError):
        raise FollowerError("latitude, longitude and scale must be numbers") from None
    label = _text_field(data, "label")
    return jsonify(followers.send_location(_state(), name, label, latitude, longitude, scale))


@bp.post("/followers/<name>/click")
def click(name: str):
    return jsonify(followers.click(_state(), name, _text_field(_body(), "key")))


@bp.post("/followers/<name>/view")
def view(name: str):
    return jsonify(followers.view(_state(), name, _text_field(_body(), "url")))


@bp.post("/followers/<name>/read")
def read(name: str):
    """Open a published article as NAME (a read), and share it when `share` names a scene."""
    data = _body()
    share = data.get("share") or ""
    share = "friend" if share is True else share
    try:
        counted = statistics.record(
            _state(), followers.resolve(_state(), name), _text_field(data, "url"), str(share)
        )
    except statistics.StatisticsError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(counted)


@bp.get("/chat/<name>/open")
def open_article(name: str):
    """The chat page's card: count the read of a published article, then show the page (a
    draft preview or an outside link opens uncounted, as WeChat counts its articles only)."""
    url = request.args.get("url", "")
    if not url.startswith(("http://", "https://")):
        return redirect(url_for(".chat", name=name, notice="the card has no address"))
    with contextlib.suppress(statistics.StatisticsError):
        statistics.record(_state(), followers.resolve(_state(), name), url)
    return redirect(url)


@bp.get("/followers/<name>/inbox")
def follower_inbox(name: str):
    """The follower's chat, oldest first; `?after=<id>` gives only newer entries."""
    st = _state()
    openid = followers.resolve(st, name)
    after = request.args.get("after", "0")
    if not after.isdigit():
        raise FollowerError("after must be an entry id")
    return jsonify(
        name=name, openid=openid, follower=st.follower(openid), inbox=inbox(st, openid, int(after))
    )


@bp.get("/deliveries")
def list_deliveries():
    """The latest calls to the webhook, newest first, with attempts and errors."""
    return jsonify(deliveries=delivery.deliveries(_state()))


# -- HTML: the chat page -----------------------------------------------------------------------
@bp.get("/")
def home():
    """The sandbox's front page is the list of followers (it links to the platform view)."""
    return redirect(url_for(".chats"))


@bp.get("/chat/")
def chats():
    st = _state()
    rows = [st.follower(openid) for openid in st.follower_openids()]
    return render_template("sandbox/chats.html", followers=[r for r in rows if r])


@bp.get("/chat/<name>")
def chat(name: str):
    """A phone-like screen: the follower's messages and replies, and the menu at the bottom."""
    st = _state()
    openid = followers.resolve(st, name)
    entries = inbox(st, openid)
    return render_template(
        "sandbox/chat.html",
        name=name,
        openid=openid,
        follower=st.follower(openid),
        entries=entries,
        last_id=entries[-1]["id"] if entries else 0,
        menu=followers.menu_buttons(st),
        notice=request.args.get("notice", ""),
    )


@bp.post("/chat/<name>/<action>")
def chat_action(name: str, action: str):
    """The chat page's forms: follow, unfollow, say, click, view; back to the page after."""
    st = _state()
    data = request.form
    try:
        if action == "follow":
            followers.follow(st, name, language=data.get("language") or "zh_CN")
        elif action == "unfollow":
            followers.unfollow(st, name)
        elif action == "say":
            followers.say(st, name, data.get("text", ""))
        elif action == "click":
            followers.click(st, name, data.get("key", ""))
        elif action == "image":
            followers.send_image(st, name, data.get("url", ""))
        elif action == "voice":
            followers.send_voice(st, name, data.get("recognition", ""))
        elif action == "location":
            followers.send_location(st, name, data.get("label", ""))
        elif action == "view":
            url = data.get("url", "")
            followers.view(st, name, url)
            return redirect(url)
        else:
            return jsonify(error=f"unknown action {action!r}"), 404
    except FollowerError as exc:
        return redirect(url_for(".chat", name=name, notice=str(exc)))
    return redirect(url_for(".chat", name=name))


# -- HTML: the platform view -------------------------------------------------------------------
RECORD_SECTIONS = (
    ("Drafts", "drafts"),
    ("Publish jobs", "publishes"),
    ("Published articles (by publishing and by mass send)", "articles"),
    ("Mass sends", "mass"),
)


@bp.get("/platform")
def platform():
    """Drafts, published articles, mass sends, token fetches, the API call log, deliveries."""
    st = _state()
    sections = [
        (title, [_summary(k, r) for k, r in st.all(kind).items()])
        for title, kind in RECORD_SECTIONS
    ]
    counts = st.counts()
    tokens = {name: counts.get(name, 0) for name in ("token", "stable_token", "stable_token_force")}
    return render_template(
        "sandbox/platform.html",
        account=st.account,
        config=st.config(),
        followers=[f for f in (st.follower(o) for o in st.follower_openids()) if f],
        sections=sections,
        tokens=tokens,
        calls=list(reversed(st.calls(200))),
        deliveries=delivery.deliveries(st, 50),
    )


def _summary(record_id: str, record: dict[str, Any]) -> dict[str, Any]:
    """One row of a record of any kind: its id, titles, status and time, as far as it has them."""
    articles = record.get("articles") or record.get("news_item") or []
    titles = [a.get("title", "") for a in articles if isinstance(a, dict)]
    if record.get("title"):
        titles.insert(0, record["title"])
    status = next(
        (
            record[name]
            for name in ("status", "msg_status", "publish_status", "via")
            if record.get(name) is not None
        ),
        "",
    )
    if record.get("sent_count") is not None:
        status = f"{status} · sent {record['sent_count']}, errors {record.get('error_count', 0)}"
    when = next(
        (record[n] for n in ("update_time", "submit_time", "create_time", "at") if record.get(n)),
        "",
    )
    urls = [a.get("url") for a in articles if isinstance(a, dict)]
    urls += record.get("article_urls") or []
    return {
        "id": record_id,
        "titles": titles,
        "status": status,
        "when": when,
        "urls": [u for u in urls if u],
    }
