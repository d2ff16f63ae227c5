"""`freepublish/submit|get|batchget|delete|getarticle`: asynchronous publishing of a draft."""

from __future__ import annotations

from typing import Any

from sandbox import jobs
from sandbox.api.calls import batch_window, body, bp, ok, reply, state
from sandbox.api.draft import find_draft
from sandbox.errors import ApiError
from sandbox.state import SandboxState

PUBLISHING = 1
SUCCESS = 0
ALL_DELETED = 5


def find_published(st: SandboxState, article_id: Any) -> dict[str, Any]:
    """A freepublished article record, or 53600 as WeChat answers an unknown id.

    A mass-sent draft is a public article too (the sandbox keeps it with via "mass"), but
    WeChat staff say freepublish/* does not reach those: only the send's event has their URLs.
    """
    record = st.get("articles", article_id) if isinstance(article_id, str) else None
    if record is None or record.get("via") != "publish":
        raise ApiError(53600, "invalid article id")
    return record


@bp.route("/freepublish/submit", methods=["POST"])
def freepublish_submit():
    st = state()
    media_id = body().get("media_id")
    draft = find_draft(st, media_id)
    config = st.config()
    publish_id = str(st.next_id("publish", 2247480000))
    now = st.now()
    st.put(
        "publishes",
        publish_id,
        {
            "publish_id": publish_id,
            "media_id": media_id,
            "articles": draft["articles"],
            "publish_status": PUBLISHING,
            "submit_time": int(now),
            "ready_at": now + float(config["publish_delay"]),
            "outcome": int(config["publish_outcome"]),
            "fail_idx": [],
        },
    )
    jobs.schedule(st, "publish", publish_id, now + float(config["publish_delay"]))
    msg_data_id = str(st.next_id("msg_data", 2247480000))
    return ok(publish_id=publish_id, msg_data_id=msg_data_id)


def _publish_answer(record: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "publish_id": record["publish_id"],
        "publish_status": record["publish_status"],
    }
    if record.get("article_id"):
        answer["article_id"] = record["article_id"]
        answer["article_detail"] = record["article_detail"]
    answer["fail_idx"] = record.get("fail_idx", [])
    return answer


@bp.route("/freepublish/get", methods=["POST"])
def freepublish_get():
    st = state()
    publish_id = str(body().get("publish_id", ""))
    # A job whose time has come finishes now, so a poll never sees a stale "publishing".
    jobs.finish_publish(st, publish_id)
    record = st.get("publishes", publish_id)
    if record is None:
        raise ApiError(40097, "invalid args, unknown publish_id")
    return ok(**_publish_answer(record))


@bp.route("/freepublish/getarticle", methods=["POST"])
def freepublish_getarticle():
    st = state()
    record = find_published(st, body().get("article_id"))
    return reply(news_item=record["news_item"])


@bp.route("/freepublish/batchget", methods=["POST"])
def freepublish_batchget():
    st = state()
    data = body()
    offset, count = batch_window(data)
    no_content = bool(data.get("no_content"))
    # Only freepublished articles: mass-sent ones are public but no API lists them.
    published = [
        (article_id, record)
        for article_id, record in st.all("articles").items()
        if record.get("via") == "publish"
    ]
    published.sort(key=lambda row: row[1]["update_time"], reverse=True)
    items = []
    for article_id, record in published[offset : offset + count]:
        news = [
            {k: v for k, v in item.items() if not (no_content and k == "content")}
            for item in record["news_item"]
        ]
        items.append(
            {
                "article_id": article_id,
                "content": {"news_item": news},
                "update_time": record["update_time"],
            }
        )
    return reply(total_count=len(published), item_count=len(items), item=items)


@bp.route("/freepublish/delete", methods=["POST"])
def freepublish_delete():
    """Delete one article (index from 1) or all of them (0); all gone: publish_status 5."""
    st = state()
    data = body()
    article_id = data.get("article_id")
    publish_id = find_published(st, article_id).get("publish_id", "")
    index = data.get("index", 0) or 0
    with jobs.record_lock(st, "publish", publish_id):
        record = find_published(st, article_id)
        items = record["news_item"]
        if not isinstance(index, int) or not 0 <= index <= len(items):
            raise ApiError(40097, "invalid args, index is out of range")
        for idx, item in enumerate(items, start=1):
            if index in (0, idx):
                item["is_deleted"] = True
        record["update_time"] = int(st.now())
        st.put("articles", article_id, record)
        publication = st.get("publishes", publish_id)
        if publication and all(item["is_deleted"] for item in items):
            publication["publish_status"] = ALL_DELETED
            st.put("publishes", publish_id, publication)
    return ok()
