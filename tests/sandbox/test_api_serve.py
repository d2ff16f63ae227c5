"""`mmsp-bot sandbox serve` as a person starts it: no credentials, a webhook, faults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

from tests.support.live import Process, free_port, wait_http

MMSP_BOT = str(Path(sys.executable).parent / "mmsp-bot")
NO_ACCOUNT = {"WECHAT_APPID": "", "WECHAT_SECRET": "", "WECHAT_TOKEN": "", "WECHAT_AES_KEY": ""}


def _serve(env: dict[str, str], *options: str) -> tuple[Process, str]:
    port = free_port()
    args = [MMSP_BOT, "sandbox", "serve", "--port", str(port), *options]
    process = Process(args, env, "sandbox-serve")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/sandbox/control/state", timeout=30)
    except AssertionError:
        process.stop()
        raise AssertionError(f"serve did not start:\n{process.log()[-2000:]}") from None
    return process, url


def test_serve_without_credentials_generates_prints_and_keeps_an_account(
    redis_client, redis_url, tmp_path
):
    env = {**NO_ACCOUNT, "REDIS_URL": redis_url, "MMSP_VAR_DIR": str(tmp_path)}
    webhook = "http://127.0.0.1:9/wechat"
    process, url = _serve(env, "--webhook", webhook, "--faults", '{"busy": 0.25}')
    try:
        account = requests.get(f"{url}/sandbox/control/account", timeout=5).json()
        printed = process.log()[-3000:]
        config = requests.get(f"{url}/sandbox/control/config", timeout=5).json()
        faults = requests.get(f"{url}/sandbox/control/faults", timeout=5).json()
    finally:
        process.stop()
    assert account["generated"] is True and account["appid"].startswith("wx")
    assert f"WECHAT_APPID={account['appid']}" in printed
    assert f"WECHAT_AES_KEY={account['aes_key']}" in printed and len(account["aes_key"]) == 43
    assert f"WECHAT_API_BASE={url}/cgi-bin/" in printed
    assert config["webhook_url"] == webhook and faults["busy"] == 0.25

    again, url = _serve(env)
    try:
        kept = requests.get(f"{url}/sandbox/control/account", timeout=5).json()
    finally:
        again.stop()
    assert kept["appid"] == account["appid"] and kept["secret"] == account["secret"]


def test_bad_faults_option_stops_with_one_line(redis_url, tmp_path):
    env = {**NO_ACCOUNT, "REDIS_URL": redis_url, "MMSP_VAR_DIR": str(tmp_path)}
    args = [MMSP_BOT, "sandbox", "serve", "--port", "0", "--faults", '{"busy": 3}']
    done = subprocess.run(
        args, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "busy must be a probability" in done.stderr and "Traceback" not in done.stderr
