"""What `mmsp-bot run` records under ./var/ (the sandbox account, its address, the embedded Redis).

Other `mmsp-bot` commands, started in another terminal, read these files so that they talk to
the same sandbox account and the same Redis as the running bot. The folder is `var/` in the
project, or MMSP_VAR_DIR when set (tests use a temporary one).
"""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CREDENTIALS_FILE = "wechat.json"
SANDBOX_FILE = "sandbox.json"
REDIS_FILE = "redis.json"
REDIS_PASSWORD_FILE = "redis-password.json"
DEMO_FILE = "demo.json"
SECRET_FILE = "secret.json"

# The account settings the sandbox account provides, in the file's key order.
_ACCOUNT = {
    "appid": "WECHAT_APPID",
    "secret": "WECHAT_SECRET",
    "token": "WECHAT_TOKEN",
    "aes_key": "WECHAT_AES_KEY",
}
ACCOUNT_SETTINGS = ("WECHAT_APPID", "WECHAT_SECRET", "WECHAT_TOKEN")
_ALNUM = string.ascii_letters + string.digits


def var_dir(environ: dict[str, str] | None = None) -> Path:
    """The folder of local state: MMSP_VAR_DIR, or var/ in the project."""
    env = os.environ if environ is None else environ
    configured = env.get("MMSP_VAR_DIR", "").strip()
    return Path(configured).expanduser().resolve() if configured else PROJECT_ROOT / "var"


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object from a file, or {} when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any], private: bool = False) -> None:
    """Write atomically (a reader never sees half a file); private files are readable by us only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


def new_account() -> dict[str, str]:
    """Fresh sandbox credentials shaped like a real account's."""
    return {
        "appid": "wx" + secrets.token_hex(8),
        "secret": secrets.token_hex(16),
        "token": "".join(secrets.choice(_ALNUM) for _ in range(32)),
        "aes_key": "".join(secrets.choice(_ALNUM) for _ in range(43)),
    }


def sandbox_account(folder: Path) -> dict[str, str]:
    """The sandbox account kept in the folder, generated and saved on first use."""
    path = folder / CREDENTIALS_FILE
    account = read_json(path)
    if all(isinstance(account.get(key), str) and account[key] for key in _ACCOUNT):
        return {key: account[key] for key in _ACCOUNT}
    account = new_account()
    write_json(path, account, private=True)
    return account


def account_settings(account: dict[str, str]) -> dict[str, str]:
    """The account as WECHAT_* settings."""
    return {name: account[key] for key, name in _ACCOUNT.items()}


def recorded_settings(given: set[str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """Settings recorded by a run, for those the environment (names in `given`) leaves unset.

    The recorded account (with the sandbox's API base) applies only when no account setting is
    given at all; the recorded Redis and console key only when REDIS_URL, SECRET_KEY are not.
    """
    folder = var_dir(environ)
    found: dict[str, str] = {}
    if not given & set(ACCOUNT_SETTINGS):
        account = read_json(folder / CREDENTIALS_FILE)
        if all(isinstance(account.get(key), str) and account[key] for key in _ACCOUNT):
            found.update(account_settings(account))
            sandbox_url = str(read_json(folder / SANDBOX_FILE).get("url", ""))
            if sandbox_url.startswith("http") and "WECHAT_API_BASE" not in given:
                found["WECHAT_API_BASE"] = sandbox_url.rstrip("/") + "/cgi-bin/"
            if sandbox_url.startswith("http") and "SANDBOX_URL" not in given:
                found["SANDBOX_URL"] = sandbox_url.rstrip("/")
    if "REDIS_URL" not in given:
        url = str(read_json(folder / REDIS_FILE).get("url", ""))
        if url.startswith("redis://"):
            found["REDIS_URL"] = url
    if "SECRET_KEY" not in given:
        secret_key = read_json(folder / SECRET_FILE).get("secret_key")
        if isinstance(secret_key, str) and secret_key:
            found["SECRET_KEY"] = secret_key
    return found
