"""What cannot be retried fails the push at once, with WeChat's errcode and what to do; dry runs."""

from __future__ import annotations

from tests.publishing.conftest import wait_push as _wait_push


def test_a_rejected_publication_and_a_spent_quota_fail_with_errcode_and_hint(
    seed_issue, bot_env, sandbox, processes, redis_client, run_cli
):
    processes.worker(bot_env)
    sandbox.configure(publish_outcome=4)
    started = run_cli("push", str(seed_issue), "--publish")
    assert started.exit_code == 0, started.output
    push = _wait_push(redis_client, seed_issue)
    assert push.state == "failed" and push["failed_step"] == "publish"
    assert push["errcode"] == "publish_status 4" and "review rejected" in push["errmsg"]

    shown = run_cli("status", str(seed_issue))
    assert "failed at publish: errcode publish_status 4" in shown.output
    assert "what to do:" in shown.output and "Traceback" not in shown.output
    assert "(times in Asia/Shanghai)" in shown.output

    sandbox.configure(publish_outcome=0, mass_quota=0)
    again = run_cli("push", str(seed_issue), "--broadcast")
    assert again.exit_code == 0, again.output
    push = _wait_push(redis_client, seed_issue)
    assert push.state == "failed" and push["failed_step"] == "broadcast"
    # The bot counted no send: WeChat's own web console used the quota. The hint says so and
    # names the next free slot (the next Beijing day; a service account's to-all send).
    assert push["errcode"] == "45028" and "no mass-send quota" in push["hint"]
    assert "web console" in push["hint"] and "00:00 Beijing time" in push["hint"]
    assert len(sandbox.calls("message/mass/sendall")) == 1  # not retried
    # The failed send does not count: a retry needs no --again (and uses a new clientmsgid).
    sandbox.configure(mass_quota=None)
    retry = run_cli("push", str(seed_issue), "--broadcast")
    assert retry.exit_code == 0, retry.output
    push = _wait_push(redis_client, seed_issue)
    assert push.state == "done", push.fields
    assert push["clientmsgid"] == "mmsp-issue9-all-2"


def test_a_dry_run_checks_the_issue_and_calls_no_wechat_api(seed_issue, sandbox, run_cli):
    result = run_cli("push", str(seed_issue), "--publish", "--broadcast", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "nothing sent" in result.output and "freepublish" not in result.output
    assert "mass send to all followers, which also publishes it" in result.output
    alone = run_cli("push", str(seed_issue), "--publish", "--dry-run")
    assert "freepublish/submit (no notification to followers)" in alone.output
    assert sandbox.calls() == []


def test_an_unverified_account_fails_a_publication_with_the_verification_hint(
    seed_issue, bot_app, bot_env, sandbox, processes, redis_client, run_cli
):
    from bot.publishing import api

    # An account WeChat has not verified: the sandbox then refuses freepublish (and previews,
    # mass sends...) with 48001. Without previews the publication is the step that meets it.
    processes.worker(bot_env)
    sandbox.configure(verified=False)
    with bot_app.app_context():
        api.start_push(redis_client, seed_issue, publish=True, preview_to=[], by="test")
    push = _wait_push(redis_client, seed_issue)
    assert push.state == "failed" and push["failed_step"] == "publish", push.fields
    assert push["errcode"] == "48001"
    assert "July 2025" in push["hint"] and "Verify the account" in push["hint"]
    shown = run_cli("status", str(seed_issue))
    assert "errcode 48001" in shown.output and "Traceback" not in shown.output
