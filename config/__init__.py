"""Every setting of the bot, read once from the environment (and an optional .env file)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFFICIAL_API_BASE = "https://api.weixin.qq.com/cgi-bin/"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = Path(__file__).resolve().parent


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line naming the variable."""


def _text(value: str) -> str:
    return value.strip()


def _int(name: str):
    def parse(value: str) -> int:
        try:
            return int(value)
        except ValueError:
            raise SettingsError(f"{name} must be an integer, got {value!r}") from None

    return parse


def _bool(name: str):
    def parse(value: str) -> bool:
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise SettingsError(f"{name} must be true or false, got {value!r}")

    return parse


def _optional_int(name: str):
    def parse(value: str) -> int | None:
        return _int(name)(value) if value.strip() else None

    return parse


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    """The bot's configuration; build it with load_settings()."""

    WECHAT_APPID: str = ""
    WECHAT_SECRET: str = ""
    WECHAT_TOKEN: str = ""
    # EncodingAESKey: when set, safe and compatible modes are available.
    WECHAT_AES_KEY: str = ""
    # The EncodingAESKey before the last change: tried when WECHAT_AES_KEY fails to decrypt.
    WECHAT_AES_KEY_PREVIOUS: str = ""
    # Which webhook POSTs are accepted: "safe" (encrypted only), "compatible" (encrypted or
    # plaintext) or "plain" (plaintext only); "" = safe when WECHAT_AES_KEY is set, else plain.
    # A plaintext body is not covered by the signature, so only safe mode authenticates it.
    WECHAT_MESSAGE_MODE: str = ""
    WECHAT_API_BASE: str = OFFICIAL_API_BASE
    REDIS_URL: str = "redis://127.0.0.1:6379/0"
    TIMEZONE: str = "Asia/Shanghai"
    SECRET_KEY: str = ""
    # Seconds a signed webhook timestamp may differ from now before the call is refused as a replay.
    REPLAY_WINDOW: int = 300
    # Webhook bodies above this many bytes are refused with 413 before they are read.
    MAX_BODY_BYTES: int = 1024 * 1024
    STAFF_OPENIDS: tuple[str, ...] = field(default_factory=tuple)
    # Where followers can read the issue's PDF or web page ("read original" link of each article).
    ISSUE_SOURCE_URL: str = ""
    CONSOLE_ENABLED: bool = True
    LOG_FORMAT: str = "text"
    # Decides the mass-send quota: "subscription" (1 a day) or "service" (4 a month).
    WECHAT_ACCOUNT_TYPE: str = "subscription"
    SANDBOX_URL: str = ""
    # A scheduled push that came due while everything was down still fires on start-up when it
    # is at most this many seconds late; later than that it is marked missed.
    SCHEDULE_GRACE: int = 3600
    # Days the console's audit log keeps staff actions (refused sign-ins are counted apart).
    AUDIT_RETENTION_DAYS: int = 365

    @property
    def message_mode(self) -> str:
        """The webhook's message mode, with the default resolved."""
        if self.WECHAT_MESSAGE_MODE:
            return self.WECHAT_MESSAGE_MODE
        return "safe" if self.WECHAT_AES_KEY else "plain"

    # Replicas that must hold a write a follower is told about (and each push step) before the
    # bot goes on: empty means 1 behind Sentinel and 0 for a single Redis (no WAIT at all).
    REDIS_WAIT_REPLICAS: int | None = None
    # Milliseconds such a write waits for them before it is retried as failed.
    REDIS_WAIT_MS: int = 500
    # Megabytes of photos one issue may keep in Redis; an import bringing more is refused.
    ISSUE_PHOTO_BUDGET_MB: int = 32
    # A PDF or Word import runs in a child process capped at these CPU seconds and megabytes.
    IMPORT_CPU_SECONDS: int = 60
    IMPORT_MEMORY_MB: int = 1024
    # How followers reach the team ("contact", "talk to a person"), in English and in Chinese.
    CONTACT_TEXT_EN: str = (
        "The MMSP II team at IOM China reads the messages written here and answers within "
        "two working days."
    )
    CONTACT_TEXT_ZH: str = (
        "国际移民组织驻华代表处 MMSP II 项目团队会阅读您在这里的留言，并在两个工作日内回复。"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.TIMEZONE)

    def require(self, *names: str) -> None:
        """Stop with one line naming the first of these settings that is empty."""
        for name in names:
            if not getattr(self, name):
                raise SettingsError(f"{name} is not set")

    def as_flask_config(self) -> dict[str, Any]:
        """What Flask itself reads (it signs sessions with SECRET_KEY); the bot's own code reads
        every setting from this object, app.extensions["settings"], never from app.config."""
        return {"SECRET_KEY": self.SECRET_KEY}


_PARSERS = {
    "REPLAY_WINDOW": _int("REPLAY_WINDOW"),
    "MAX_BODY_BYTES": _int("MAX_BODY_BYTES"),
    "STAFF_OPENIDS": _list,
    "CONSOLE_ENABLED": _bool("CONSOLE_ENABLED"),
    "SCHEDULE_GRACE": _int("SCHEDULE_GRACE"),
    "AUDIT_RETENTION_DAYS": _int("AUDIT_RETENTION_DAYS"),
    "WECHAT_MESSAGE_MODE": lambda value: value.strip().lower(),
    "REDIS_WAIT_REPLICAS": _optional_int("REDIS_WAIT_REPLICAS"),
    "REDIS_WAIT_MS": _int("REDIS_WAIT_MS"),
    "ISSUE_PHOTO_BUDGET_MB": _int("ISSUE_PHOTO_BUDGET_MB"),
    "IMPORT_CPU_SECONDS": _int("IMPORT_CPU_SECONDS"),
    "IMPORT_MEMORY_MB": _int("IMPORT_MEMORY_MB"),
}

MESSAGE_MODES = ("", "safe", "compatible", "plain")

_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")


def _validate(settings: Settings) -> None:
    if settings.WECHAT_AES_KEY and not _AES_KEY.match(settings.WECHAT_AES_KEY):
        raise SettingsError("WECHAT_AES_KEY must be 43 letters and digits (the EncodingAESKey)")
    previous = settings.WECHAT_AES_KEY_PREVIOUS
    if previous and not _AES_KEY.match(previous):
        raise SettingsError(
            "WECHAT_AES_KEY_PREVIOUS must be 43 letters and digits (the former EncodingAESKey)"
        )
    if previous and not settings.WECHAT_AES_KEY:
        raise SettingsError("WECHAT_AES_KEY_PREVIOUS is set but WECHAT_AES_KEY is not")
    if settings.WECHAT_MESSAGE_MODE not in MESSAGE_MODES:
        raise SettingsError("WECHAT_MESSAGE_MODE must be 'safe', 'compatible' or 'plain'")
    if settings.message_mode != "plain" and not settings.WECHAT_AES_KEY:
        raise SettingsError(f"WECHAT_MESSAGE_MODE={settings.message_mode} needs WECHAT_AES_KEY")
    if not settings.WECHAT_API_BASE.startswith(("http://", "https://")):
        raise SettingsError("WECHAT_API_BASE must be an http(s) URL")
    if not settings.WECHAT_API_BASE.endswith("/"):
        raise SettingsError("WECHAT_API_BASE must end with '/' (e.g. .../cgi-bin/)")
    if not settings.REDIS_URL.startswith(("redis://", "rediss://", "unix://", "sentinel://")):
        raise SettingsError("REDIS_URL must be a redis://, rediss://, unix:// or sentinel:// URL")
    if settings.REDIS_URL.startswith("sentinel://") and "master_name=" not in settings.REDIS_URL:
        raise SettingsError("REDIS_URL: a sentinel:// URL needs ?master_name=NAME (see README)")
    try:
        ZoneInfo(settings.TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIMEZONE is not a known time zone: {settings.TIMEZONE!r}") from None
    if settings.REPLAY_WINDOW <= 0:
        raise SettingsError("REPLAY_WINDOW must be a positive number of seconds")
    if settings.SCHEDULE_GRACE < 0:
        raise SettingsError("SCHEDULE_GRACE must be a number of seconds, 0 or more")
    if settings.AUDIT_RETENTION_DAYS <= 0:
        raise SettingsError("AUDIT_RETENTION_DAYS must be a positive number of days")
    if settings.REDIS_WAIT_REPLICAS is not None and settings.REDIS_WAIT_REPLICAS < 0:
        raise SettingsError("REDIS_WAIT_REPLICAS must be 0 or more (empty: 1 behind Sentinel)")
    if settings.REDIS_WAIT_MS <= 0:
        raise SettingsError("REDIS_WAIT_MS must be a positive number of milliseconds")
    if settings.IMPORT_CPU_SECONDS <= 0 or settings.IMPORT_MEMORY_MB < 256:
        raise SettingsError("IMPORT_CPU_SECONDS must be positive and IMPORT_MEMORY_MB 256 or more")
    if settings.ISSUE_PHOTO_BUDGET_MB <= 0:
        raise SettingsError("ISSUE_PHOTO_BUDGET_MB must be a positive number of megabytes")
    if settings.MAX_BODY_BYTES <= 0:
        raise SettingsError("MAX_BODY_BYTES must be a positive number of bytes")
    if settings.LOG_FORMAT not in {"text", "json"}:
        raise SettingsError("LOG_FORMAT must be 'text' or 'json'")
    if settings.WECHAT_ACCOUNT_TYPE not in {"subscription", "service"}:
        raise SettingsError("WECHAT_ACCOUNT_TYPE must be 'subscription' or 'service'")


def _read_dotenv(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def load_settings(
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
    dotenv: Path | None = None,
) -> Settings:
    """Layer defaults, var/ (see local_state), .env, the environment, overrides; validate."""
    env = dict(_read_dotenv(dotenv or PROJECT_ROOT / ".env"))
    env.update(os.environ if environ is None else environ)
    if environ is None:
        # Below all of these: what `mmsp-bot run` recorded under var/ (the sandbox account and
        # address, the embedded Redis), so commands in another terminal reach the running bot.
        from config.local_state import recorded_settings

        given = {name for name, value in env.items() if value.strip()} | set(overrides or {})
        env = {**recorded_settings(given, env), **env}
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in env:
            parse = _PARSERS.get(f.name, _text)
            values[f.name] = parse(env[f.name])
    settings = replace(Settings(), **values)
    if overrides:
        unknown = set(overrides) - {f.name for f in fields(Settings)}
        if unknown:
            raise SettingsError(f"unknown setting {sorted(unknown)[0]}")
        # Overrides may be typed values or environment-style text; text goes through the parsers.
        parsed = {
            name: _PARSERS.get(name, _text)(value) if isinstance(value, str) else value
            for name, value in overrides.items()
        }
        settings = replace(settings, **parsed)
    _validate(settings)
    return settings
