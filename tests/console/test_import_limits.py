"""A PDF uploaded in the console is read in a capped child process: a decompression bomb is
refused in one line and the web worker keeps serving."""

from __future__ import annotations

import io

import pytest

from bot import create_app
from tests.newsletter.test_newsletter_confined import bomb_pdf


@pytest.fixture
def app(settings_env, redis_client):
    return create_app(
        {**settings_env, "TESTING": True, "IMPORT_CPU_SECONDS": 5, "IMPORT_MEMORY_MB": 400}
    )


def test_the_console_refuses_a_bomb_and_keeps_serving(editor_client, redis_client):
    response = editor_client.post(
        "/console/issues/import",
        data={"csrf_token": editor_client.csrf, "file": (io.BytesIO(bomb_pdf()), "bomb.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "bomb.pdf could not be imported: the PDF needs more than 5 s of CPU" in page
    assert editor_client.get("/console/").status_code == 200
    assert redis_client.keys("issue:*") == []


def test_a_designed_pdf_uploaded_shows_its_photos_in_the_preview(editor_client, redis_client):
    from tests.newsletter.designed import TENTH, chromium_pdf

    response = editor_client.post(
        "/console/issues/import",
        data={
            "csrf_token": editor_client.csrf,
            "file": (io.BytesIO(chromium_pdf(TENTH)), "10.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    confirm = response.headers["Location"] + "/confirm"
    editor_client.post(confirm, data={"csrf_token": editor_client.csrf})
    pages = [editor_client.get(f"/console/issues/10/articles/{n}") for n in range(1, 4)]
    shown = "".join(p.get_data(as_text=True) for p in pages if p.status_code == 200)
    assert shown.count('src="data:image/jpeg;base64,') >= 4
    assert "Participants of the Webinar on Skills Recognition" in shown
    assert "mmsp-image://" not in shown
