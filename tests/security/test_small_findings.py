"""Attack replays of the smaller findings: previews to any openid, CR/LF in next=, HSTS."""

from __future__ import annotations

import re

import pytest

from bot.console import accounts
from bot.newsletter import store, text_import
from config import PROJECT_ROOT
from tests.console.conftest import EDITOR_PASSWORD, csrf_of
from tests.webhook import wire
from tests.webhook.wire import open_reply, text_xml

SEED = PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt"
STRANGER = "oStrangerNotStaff000000001"
ERINS_PHONE = "oErinsOwnPhone000000000001"


@pytest.fixture
def issue9(redis_client):
    store.save_issue(redis_client, text_import.import_bytes(SEED.read_bytes()), source="test")


def _send_from_wechat(app, text: str, openid: str) -> str:
    """A text message to the official account, as WeChat delivers it (safe mode); the answer."""
    path, body = wire.safe_request(text_xml(text, sender=openid))
    response = app.test_client().post(path, data=body, content_type="text/xml")
    assert response.status_code == 200
    return open_reply(response.data)["Content"]


def _bind_code(client) -> str:
    client.post("/console/account", data={"csrf_token": client.csrf, "wechat": "bind"})
    page = client.get("/console/account").get_data(as_text=True)
    return re.search(r'id="bind-code">(BIND-[A-Z2-9]{8})<', page).group(1)


def test_a_preview_goes_only_to_a_wechat_bound_by_its_code(
    app, editor_client, redis_client, issue9
):
    # Before binding: no receiver to choose, and a typed openid is not a way around it.
    page = editor_client.get("/console/issues/9/preview").get_data(as_text=True)
    assert 'name="to"' not in page and 'name="openid"' not in page
    sent = editor_client.post(
        "/console/issues/9/preview/send",
        data={"csrf_token": editor_client.csrf, "when": "now", "openid": STRANGER},
    )
    assert sent.headers["Location"].endswith("/console/account")
    assert not redis_client.keys("push:p*")

    # The editor shows a code in the console and sends it from their WeChat: that binds it.
    code = _bind_code(editor_client)
    assert "previews for staff account erin" in _send_from_wechat(app, code, ERINS_PHONE)
    assert accounts.get_staff(redis_client, "erin").openid == ERINS_PHONE
    # The code works once: someone who saw it on the screen cannot bind their WeChat with it.
    assert "unknown or has expired" in _send_from_wechat(app, code, STRANGER)
    assert accounts.get_staff(redis_client, "erin").openid == ERINS_PHONE

    page = editor_client.get("/console/issues/9/preview").get_data(as_text=True)
    assert '<option value="erin">erin (you)</option>' in page
    sent = editor_client.post(
        "/console/issues/9/preview/send",
        data={"csrf_token": editor_client.csrf, "when": "now", "to": "erin"},
    )
    status = editor_client.get(sent.headers["Location"]).get_data(as_text=True)
    # The preview went to erin's bound WeChat, named as staff know it (the openid on hover).
    assert "preview to erin" in status and f'title="{ERINS_PHONE}"' in status


def test_a_preview_to_someone_without_a_bound_wechat_is_refused(
    app, editor_client, redis_client, issue9
):
    accounts.set_openid(redis_client, "erin", ERINS_PHONE)
    for to in ("paul", "nobody", STRANGER):
        sent = editor_client.post(
            "/console/issues/9/preview/send",
            data={"csrf_token": editor_client.csrf, "when": "now", "to": to},
        )
        assert sent.status_code == 302 and sent.headers["Location"].endswith("/issues/9/preview")
        page = editor_client.get(sent.headers["Location"]).get_data(as_text=True)
        assert "previews go only to bound staff accounts" in page
    assert not redis_client.keys("push:p*")


def test_a_made_up_binding_code_binds_nothing(app, editor_client, redis_client):
    _bind_code(editor_client)
    assert "unknown or has expired" in _send_from_wechat(app, "BIND-ABCDEFGH", STRANGER)
    assert accounts.get_staff(redis_client, "erin").openid == ""


@pytest.mark.parametrize(
    "target",
    [
        "/console/\r\nSet-Cookie: stolen=1",
        "/console/pushes\n",
        "/console/\t/evil.example",
        "//evil.example/console/",
        "https://evil.example/console/",
        "/console\\..\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_an_unsafe_next_after_sign_in_goes_to_the_start_page(client, staff, target):
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post(
        "/console/login",
        data={"name": "erin", "password": EDITOR_PASSWORD, "csrf_token": token, "next": target},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert "stolen" not in str(response.headers)


def test_a_safe_next_still_returns_to_the_page(client, staff):
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    response = client.post(
        "/console/login",
        data={
            "name": "erin",
            "password": EDITOR_PASSWORD,
            "csrf_token": token,
            "next": "/console/pushes",
        },
    )
    assert response.headers["Location"] == "/console/pushes"


def test_hsts_is_sent_over_https_only(client):
    secure = client.get("/healthz", base_url="https://bot.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get("/healthz")
    assert "Strict-Transport-Security" not in plain.headers
    login = client.get("/console/login", base_url="https://bot.example")
    assert "Strict-Transport-Security" in login.headers
