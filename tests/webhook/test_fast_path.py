"""The webhook's hot path: reads prefetched with the claim, query decoding, the Flask route."""

from __future__ import annotations

import pytest
from flask import Flask

from bot import create_app
from bot.webhook.replies import TextReply
from bot.webhook.router import Router
from bot.webhook.wsgi import query_args
from tests.webhook import wire
from tests.webhook.wire import read_reply, text_xml

NOTE_KEY = "test:webhook:note"


def note_router() -> Router:
    """Answers "note" with a Redis value that a prefetch read with the claim (or the step)."""
    router = Router()

    @router.prefetch
    def note_reads(message, pipe):
        pipe.get(NOTE_KEY)

    @router.context_step
    def note_step(message, ctx):
        got = ctx.prefetched.get("note_reads")
        ctx.note_source = "prefetched" if got is not None else "read again"
        ctx.note = got[0] if got is not None else ctx.redis.type(NOTE_KEY)

    @router.message_type("text")
    def note(message, ctx):
        return TextReply(f"{ctx.note_source}: {ctx.note}")

    return router


@pytest.fixture
def note_client(settings_env, redis_client):
    app = create_app({**settings_env, "TESTING": True, "WEBHOOK_ROUTER": note_router()})
    return app.test_client()


def ask(client, safe: bool = False) -> str:
    path, body = (wire.safe_request if safe else wire.plain_request)(text_xml("note"))
    response = client.post(path, data=body, content_type="text/xml")
    assert response.status_code == 200
    return (wire.open_reply if safe else read_reply)(response.data)["Content"]


@pytest.mark.parametrize("safe", [False, True], ids=["plaintext", "safe"])
def test_a_prefetched_read_reaches_the_context_step(note_client, redis_client, safe):
    redis_client.set(NOTE_KEY, "remember the forum")
    assert ask(note_client, safe) == "prefetched: remember the forum"


def test_a_failed_prefetched_read_is_left_for_the_step_to_read_again(note_client, redis_client):
    redis_client.rpush(NOTE_KEY, "a list, so GET fails")  # WRONGTYPE for the prefetch's GET
    assert ask(note_client) == "read again: list"


def test_a_push_with_a_prefetch_is_still_handled_once(note_client, redis_client):
    redis_client.set(NOTE_KEY, "once")
    path, body = wire.plain_request(text_xml("note", msg_id=wire.next_msg_id()))
    first = note_client.post(path, data=body, content_type="text/xml").data
    redis_client.set(NOTE_KEY, "changed")
    retry = note_client.post(path, data=body, content_type="text/xml").data
    assert retry == first and b"once" in first


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a=1&b=2&a=3", {"a": "1", "b": "2"}),
        ("echostr=x+y%2Bz&empty=&bare", {"echostr": "x y+z", "empty": "", "bare": ""}),
        ("n=%E4%BD%A0&bad=%FF", {"n": "你", "bad": "%FF"}),
        ("&&a=1&", {"a": "1"}),
    ],
)
def test_query_is_decoded_as_flask_decodes_it(query, expected):
    assert query_args(query) == expected
    flask_args = Flask("q").test_request_context("/?" + query).request.args
    assert {k: flask_args.get(k) for k in flask_args} == expected


def test_the_flask_route_answers_like_the_fast_path(test_app):
    # Without the middleware in front (its .next is Flask itself), the route answers alike.
    path, body = wire.plain_request(text_xml("echo"))
    fast = test_app.test_client().post(path, data=body, content_type="text/xml")
    tags = test_app.wsgi_app  # the request ids around the webhook's middleware
    tags.wsgi_app = tags.wsgi_app.next  # Flask alone, as without the middleware
    path, body = wire.plain_request(text_xml("echo"))
    routed = test_app.test_client().post(path, data=body, content_type="text/xml")
    assert routed.status_code == fast.status_code == 200
    assert read_reply(routed.data)["Content"].startswith("echo ")
    bad = test_app.test_client().post("/wechat?signature=0", data=body)
    assert bad.status_code == 403 and bad.data == b"bad or missing signature\n"
