"""A slow answer: `success` at once, then the real answer through the customer-service API."""

from __future__ import annotations

from bot import create_app
from tests.support.live import serve_wsgi, start_celery_worker, wait_until
from tests.webhook.conftest import counting_router, runs


def test_deferred_answer_reaches_the_follower_once(sandbox, settings_env, redis_client):
    env = {**settings_env, "WECHAT_API_BASE": sandbox.api_base}
    app = create_app({**env, "WEBHOOK_ROUTER": counting_router()})
    worker = start_celery_worker(env, name="webhook-replies", concurrency=1)
    try:
        with serve_wsgi(app) as url:
            sandbox.configure(webhook_url=f"{url}/wechat", delivery_mode="safe")
            sandbox.follow("ana", language="en")
            said = sandbox.say("ana", "later")
            # Answered at once with `success`: one call, nothing shown to the follower yet.
            assert said["delivery"]["status"] == "no_reply"
            assert said["delivery"]["attempts"] == 1

            def answer():
                return [
                    entry
                    for entry in sandbox.inbox("ana")
                    if entry.get("via") == "custom" and entry.get("content") == "the real answer"
                ]

            assert len(wait_until(answer, timeout=30, what="the customer-service answer")) == 1
        keys = [k for k in redis_client.hkeys("test:webhook:runs") if k.startswith("m:")]
        assert len(keys) == 1 and runs(redis_client, keys[0]) == 1
        # The task marked its delivery, so a redelivery of it would not send twice.
        assert redis_client.exists(f"replies:sent:webhook:{keys[0]}")
        # A second delivery of the same task (a lost acknowledgement) sends nothing more.
        celery = app.extensions["celery"]
        celery.AsyncResult(f"webhook:{keys[0]}").forget()  # so get() waits for the new run
        again = celery.send_task(
            "replies.send_text",
            args=(sandbox.openid("ana"), "the real answer"),
            task_id=f"webhook:{keys[0]}",
        )
        again.get(timeout=30)
        assert len(answer()) == 1
    finally:
        worker.stop()
