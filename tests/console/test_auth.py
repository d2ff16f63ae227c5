"""Sign-in, sessions, rate limits, CSRF, cookies, headers and the staff command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import create_app
from bot.cli import _register, cli
from bot.console import accounts, audit
from tests.console.conftest import (
    EDITOR_PASSWORD,
    PUBLISHER_PASSWORD,
    csrf_of,
    sign_in,
)


def test_staff_signs_in_lands_on_the_issues_and_the_audit_log_says_so(client, staff):
    response = sign_in(client, "erin", EDITOR_PASSWORD)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "erin" in page.get_data(as_text=True)
    log = client.get("/console/audit").get_data(as_text=True)
    assert "signed in" in log and "erin" in log


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, staff):
    token = csrf_of(client.get("/console/login?next=/console/followers").get_data(as_text=True))
    form = {"name": "erin", "password": EDITOR_PASSWORD, "csrf_token": token}
    response = client.post("/console/login", data={**form, "next": "/console/followers"})
    assert response.headers["Location"] == "/console/followers"
    other = create_app_client(client)
    token = csrf_of(other.get("/console/login").get_data(as_text=True))
    form["csrf_token"] = token
    response = other.post("/console/login", data={**form, "next": "https://evil.example/x"})
    assert response.headers["Location"] == "/console/"


def client_from(app, address: str):
    """A test client whose requests come from another network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def create_app_client(client):
    return client.application.test_client()


def test_wrong_password_is_refused_with_a_plain_message(client, staff):
    response = sign_in(client, "erin", "not-the-password")
    assert response.status_code == 200
    assert "Wrong name or password." in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_an_account_is_locked_after_five_failures_even_with_the_right_password(client, staff):
    for _ in range(accounts.MAX_FAILURES_ACCOUNT):
        sign_in(client, "erin", "guess-guess-guess")
    response = sign_in(client, "erin", EDITOR_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    # Another account from another address is not affected.
    other = client_from(client.application, "10.0.0.9")
    assert sign_in(other, "paul", PUBLISHER_PASSWORD).status_code == 302


def test_one_address_trying_many_names_is_locked_out(app, staff):
    client = client_from(app, "10.0.0.7")
    for i in range(accounts.MAX_FAILURES_IP):
        sign_in(client, f"user{i}", "whatever-password")
    assert sign_in(client, "paul", PUBLISHER_PASSWORD).status_code == 429
    elsewhere = client_from(app, "10.0.0.8")
    assert sign_in(elsewhere, "paul", PUBLISHER_PASSWORD).status_code == 302


def test_sign_out_ends_the_session_on_the_server_too(client, staff):
    sign_in(client, "erin", EDITOR_PASSWORD)
    stolen = client.get_cookie("mmsp_console", path="/console").value
    token = csrf_of(client.get("/console/").get_data(as_text=True))
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/").status_code == 302
    # Replaying the cookie from before the sign-out does not bring the session back.
    replay = client.application.test_client()
    replay.set_cookie("mmsp_console", stolen, path="/console")
    assert replay.get("/console/").status_code == 302


def test_session_cookie_is_httponly_lax_and_secure_over_https(app, staff):
    plain = app.test_client()
    cookie = sign_in(plain, "erin", EDITOR_PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie
    https = app.test_client()
    token = csrf_of(https.get("/console/login", base_url="https://localhost").get_data(True))
    response = https.post(
        "/console/login",
        base_url="https://localhost",
        data={"name": "erin", "password": EDITOR_PASSWORD, "csrf_token": token},
    )
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_post_without_the_right_csrf_token_is_refused(editor_client, token):
    data = {"wechat": "bind"}
    if token is not None:
        data["csrf_token"] = token
    response = editor_client.post("/console/account", data=data)
    assert response.status_code == 400
    assert "did not come from this console" in response.get_data(as_text=True)
    page = editor_client.get("/console/account").get_data(as_text=True)
    assert 'id="bind-code"' not in page


def test_the_same_form_with_the_token_goes_through(editor_client):
    data = {"wechat": "bind", "csrf_token": editor_client.csrf}
    assert editor_client.post("/console/account", data=data).status_code == 302
    assert 'id="bind-code">BIND-' in editor_client.get("/console/account").get_data(as_text=True)


def test_sign_in_form_needs_its_csrf_token_too(client, staff):
    client.get("/console/login")
    response = client.post("/console/login", data={"name": "erin", "password": EDITOR_PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_console_pages_carry_security_headers(editor_client):
    for url in ("/console/", "/console/login", "/console/no-such-page"):
        headers = editor_client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_secret_appears_in_any_page(app, publisher_client, settings_env):
    secrets = [settings_env["WECHAT_SECRET"], settings_env["SECRET_KEY"]]
    secrets += [settings_env["WECHAT_AES_KEY"], settings_env["WECHAT_TOKEN"]]
    with app.test_request_context():
        urls = [
            rule.rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("console.") and not rule.arguments and "GET" in rule.methods
        ]
    for url in urls:
        body = publisher_client.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in body, f"{url} shows a secret"


def test_the_console_can_be_switched_off(settings_env, redis_client):
    app = create_app({**settings_env, "CONSOLE_ENABLED": False})
    assert app.test_client().get("/console/login").status_code == 404
    assert app.test_client().get("/healthz").status_code == 200


def test_without_a_secret_key_the_console_says_it_is_off(settings_env, redis_client):
    app = create_app({**settings_env, "SECRET_KEY": ""})
    response = app.test_client().get("/console/login")
    assert response.status_code == 503
    assert "SECRET_KEY is not set" in response.get_data(as_text=True)


def test_staff_add_creates_an_account_that_can_sign_in(client, redis_client, monkeypatch):
    monkeypatch.setenv("REDIS_URL", client.application.extensions["settings"].REDIS_URL)
    _register()
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["staff", "add", "mei", "--role", "publisher", "--password-stdin"],
        input="a-long-password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created mei (publisher)" in result.output
    assert sign_in(client, "mei", "a-long-password").status_code == 302
    assert audit.recent(redis_client)[-1]["action"] == "created account"
    short = runner.invoke(cli, ["staff", "add", "kai", "--password-stdin"], input="short\n")
    assert short.exit_code == 1
    assert "at least 10 characters" in short.output


def test_behind_a_local_proxy_the_limit_counts_the_address_the_proxy_saw(app, staff):
    def through_proxy(seen: str):
        client = client_from(app, "127.0.0.1")
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.99, {seen}"
        return client

    attacker = through_proxy("198.51.100.7")
    for i in range(accounts.MAX_FAILURES_IP):
        sign_in(attacker, f"user{i}", "whatever-password")
    assert sign_in(attacker, "paul", PUBLISHER_PASSWORD).status_code == 429
    # Another person behind the same proxy is not locked out with the attacker.
    assert sign_in(through_proxy("198.51.100.8"), "paul", PUBLISHER_PASSWORD).status_code == 302
