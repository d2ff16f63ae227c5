"""The factory, settings and health check."""

import pytest

from bot import create_app
from config import SettingsError, load_settings


def test_healthz_reports_redis_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == "ok"


def test_healthz_is_503_when_redis_is_down(settings_env):
    app = create_app({**settings_env, "REDIS_URL": "redis://127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WECHAT_AES_KEY": "tooshort"}, "WECHAT_AES_KEY"),
        ({"REPLAY_WINDOW": "soon"}, "REPLAY_WINDOW"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"WECHAT_API_BASE": "ftp://x/"}, "WECHAT_API_BASE"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"CONSOLE_ENABLED": "maybe"}, "CONSOLE_ENABLED"),
    ],
)
def test_malformed_setting_is_named_in_one_line(env, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=env)
    message = str(caught.value)
    assert named in message and "\n" not in message


def test_environment_overrides_dotenv(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("TIMEZONE=Europe/Brussels\nREPLAY_WINDOW=60\n")
    settings = load_settings(environ={"REPLAY_WINDOW": "120"}, dotenv=dotenv)
    assert settings.TIMEZONE == "Europe/Brussels"
    assert settings.REPLAY_WINDOW == 120


def test_text_overrides_are_parsed_like_the_environment():
    settings = load_settings(
        environ={}, overrides={"STAFF_OPENIDS": "o1, o2", "REPLAY_WINDOW": "60"}
    )
    assert settings.STAFF_OPENIDS == ("o1", "o2")
    assert settings.REPLAY_WINDOW == 60
