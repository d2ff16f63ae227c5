"""Property-based tests: whatever arrives, the webhook and the importers answer with one clear
refusal or a normal answer, never a 500 or a trace, and a refusal stores nothing.

Bounded (max_examples, deadline) so that the suite stays fast on a shared machine.
"""

from __future__ import annotations

import base64
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import create_app
from bot.console import drafts
from bot.newsletter import markdown_io, text_import
from config import PROJECT_ROOT
from tests.newsletter.pdfmaker import text_to_pdf
from tests.webhook import wire
from tests.webhook.wire import message_xml, text_xml

SEED_BYTES = (PROJECT_ROOT / "bot" / "newsletter" / "samples" / "issue-09.txt").read_bytes()
SEED_MARKDOWN = markdown_io.to_markdown(text_import.import_bytes(SEED_BYTES)).encode()
SEED_PDF = text_to_pdf(SEED_BYTES.decode())

FIXTURES_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
WEBHOOK = settings(max_examples=60, deadline=3000, suppress_health_check=FIXTURES_OK)
IMPORTS = settings(max_examples=40, deadline=5000, suppress_health_check=FIXTURES_OK)
PDFS = settings(max_examples=12, deadline=20000, suppress_health_check=FIXTURES_OK)


@pytest.fixture
def webhook_client(settings_env, redis_client):
    """The real bot with its real routing table, taking plaintext and encrypted calls."""
    app = create_app({**settings_env, "WECHAT_MESSAGE_MODE": "compatible", "TESTING": True})
    yield app.test_client()
    app.extensions["webhook"].dedup.flush()


def _post(client, request):
    path, body = request
    response = client.post(path, data=body, content_type="text/xml")
    assert response.status_code in (200, 400, 413), response.data[:200]
    assert b"Traceback" not in response.data
    if response.status_code != 200:
        assert response.data.count(b"\n") == 1  # one line saying why
    return response


def _keys(redis_client, client=None) -> set[str]:
    """Every key; with a webhook client, after its batched reply writes have landed (an
    earlier example's answer must not count as something this one stored)."""
    if client is not None:
        client.application.extensions["webhook"].dedup.flush()
    return set(redis_client.keys("*"))


@WEBHOOK
@given(body=st.binary(max_size=2048))
def test_any_signed_plaintext_body_gets_an_answer_or_one_refusal(
    webhook_client, redis_client, body
):
    before = _keys(redis_client, webhook_client)
    response = _post(webhook_client, (wire.plain_request("")[0], body))
    if response.status_code != 200:
        assert _keys(redis_client, webhook_client) == before


FIELD = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=80
)


@WEBHOOK
@given(
    msg_type=st.sampled_from(["text", "event", "image", "voice", "location", "link", "nonsense"]),
    fields=st.dictionaries(
        st.sampled_from(["Content", "MsgId", "Event", "EventKey", "PicUrl", "Location_X", "Scale"]),
        FIELD,
        max_size=5,
    ),
    encrypted=st.booleans(),
)
def test_any_message_shape_gets_an_answer_or_one_refusal(
    webhook_client, msg_type, fields, encrypted
):
    xml = message_xml(msg_type, {k: v.replace("]]>", "") for k, v in fields.items()})
    build = wire.safe_request if encrypted else wire.plain_request
    _post(webhook_client, build(xml))


@WEBHOOK
@given(cut=st.integers(min_value=0), encrypted=st.booleans())
def test_a_truncated_message_gets_an_answer_or_one_refusal(
    webhook_client, redis_client, cut, encrypted
):
    xml = text_xml("latest")
    if encrypted:
        path, body = wire.safe_request(xml)
    else:
        path, body = wire.plain_request(xml)
    before = _keys(redis_client, webhook_client)
    response = _post(webhook_client, (path, body[: cut % (len(body) + 1)]))
    if response.status_code != 200:
        assert _keys(redis_client, webhook_client) == before


@WEBHOOK
@given(payload=st.binary(max_size=512))
def test_any_encrypted_payload_with_a_valid_signature_is_refused_in_one_line(
    webhook_client, redis_client, payload
):
    encrypt = base64.b64encode(payload).decode()
    query = wire.signed_query()
    signature = wire.sha1_signature(wire.TOKEN, query["timestamp"], query["nonce"], encrypt)
    from urllib.parse import urlencode

    path = "/wechat?" + urlencode({**query, "encrypt_type": "aes", "msg_signature": signature})
    body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
    before = _keys(redis_client, webhook_client)
    response = _post(webhook_client, (path, body))
    assert response.status_code == 400
    assert _keys(redis_client, webhook_client) == before


# ---- importers -------------------------------------------------------------------------------


def _parse(name: str, data: bytes) -> None:
    """The console's importer entry: an issue, or ImportFailed in one line; nothing else."""
    try:
        issue, _ = drafts.parse_upload(name, data)
    except drafts.ImportFailed as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert 1 <= issue.number <= 999


@IMPORTS
@given(data=st.binary(max_size=4096), name=st.sampled_from(["a.txt", "a.md", "a.pdf"]))
def test_any_bytes_import_as_an_issue_or_fail_in_one_line(data, name):
    _parse(name, data)


@IMPORTS
@given(cut=st.integers(min_value=0), kind=st.sampled_from(["text", "markdown"]))
def test_a_truncated_text_or_markdown_issue_imports_or_fails_in_one_line(cut, kind):
    data = SEED_BYTES if kind == "text" else SEED_MARKDOWN
    _parse("issue.txt" if kind == "text" else "issue.md", data[: cut % (len(data) + 1)])


@IMPORTS
@given(text=st.text(max_size=2000))
def test_random_markdown_front_matter_imports_or_fails_in_one_line(text):
    _parse("issue.md", b"---\n" + text.encode("utf-8", "surrogatepass")[:4000])


@PDFS
@given(cut=st.integers(min_value=0), flip=st.integers(min_value=0), byte=st.integers(0, 255))
def test_a_truncated_or_damaged_pdf_imports_or_fails_in_one_line(cut, flip, byte):
    data = bytearray(SEED_PDF[: max(8, cut % (len(SEED_PDF) + 1))])
    data[flip % len(data)] = byte
    _parse("issue.pdf", bytes(data))


@IMPORTS
@given(cut=st.integers(min_value=0), kind=st.sampled_from(["text", "markdown"]))
def test_the_console_import_never_answers_500_and_a_refusal_stores_nothing(
    editor_client, redis_client, cut, kind
):
    data = SEED_BYTES if kind == "text" else SEED_MARKDOWN
    name = "issue.txt" if kind == "text" else "issue.md"
    before = _keys(redis_client)
    response = editor_client.post(
        "/console/issues/import",
        data={
            "csrf_token": editor_client.csrf,
            "file": (io.BytesIO(data[: cut % (len(data) + 1)]), name),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 400)
    after = _keys(redis_client)
    if response.status_code == 400:
        assert not {k for k in after - before if "audit" not in k}
    else:
        assert not [k for k in after if k.startswith("issue:")]
