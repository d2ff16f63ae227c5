"""The WeChat sandbox as a real server process for tests, and a handle to read and steer it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from tests.support.live import Process, free_port, python_module, serve_wsgi, wait_http
from tests.support.standin_webhook import StandIn


class SandboxWeChatClient(WeChatClient):
    """wechatpy's client pointed at the sandbox: API_BASE_URL, and its token URL (hard-coded)."""

    def __init__(self, api_base: str, appid: str, secret: str, **kwargs: Any):
        super().__init__(appid, secret, **kwargs)
        self.API_BASE_URL = api_base

    def fetch_access_token(self):
        # wechatpy 2.0.0a26 builds this one URL from a constant instead of API_BASE_URL.
        return self._fetch_access_token(
            url=f"{self.API_BASE_URL}token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


class SandboxServer:
    """`python -m sandbox.cli serve` on a free port, with the control API wrapped as methods."""

    def __init__(self, env: dict[str, str], port: int | None = None, log_name: str = "sandbox"):
        self.env = env
        self.port = port or free_port()
        self.log_name = log_name
        self.url = f"http://127.0.0.1:{self.port}"
        self.api_base = f"{self.url}/cgi-bin/"
        self.process: Process | None = None
        self._http = requests.Session()

    # -- process ------------------------------------------------------------------------------
    def start(self) -> SandboxServer:
        args = python_module("sandbox.cli", "serve", "--port", str(self.port))
        self.process = Process(args, self.env, self.log_name)
        try:
            wait_http(f"{self.url}/sandbox/control/state", timeout=30)
        except AssertionError:
            log = self.process.log()[-3000:]
            self.process.stop()
            raise AssertionError(f"the sandbox did not start:\n{log}") from None
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None

    def restart(self) -> None:
        """Stop the process and start a new one on the same port (state stays in Redis)."""
        self.stop()
        self.start()

    def log(self) -> str:
        return self.process.log() if self.process else ""

    # -- control API --------------------------------------------------------------------------
    def control(self, method: str, endpoint: str, json: Any = None, **params: Any) -> Any:
        """Call /sandbox/control/<endpoint>; a 4xx/5xx answer fails the test with its message."""
        url = f"{self.url}/sandbox/control/{endpoint}"
        response = self._http.request(method, url, json=json, params=params, timeout=10)
        if response.status_code >= 400:
            raise AssertionError(f"sandbox {endpoint}: {response.status_code} {response.text}")
        return response.json()

    def reset(self) -> None:
        self.control("POST", "reset")

    def state(self) -> dict[str, Any]:
        return self.control("GET", "state")

    def account(self) -> dict[str, Any]:
        return self.control("GET", "account")

    def counts(self) -> dict[str, int]:
        return self.control("GET", "counts")

    def token_fetches(self) -> dict[str, int]:
        """How many times each token API was called: token, stable_token, stable_token_force."""
        counts = self.counts()
        names = ("token", "stable_token", "stable_token_force")
        return {name: counts.get(name, 0) for name in names}

    def calls(self, path: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        """The API call log, oldest first (each row: at, method, path, errcode, ms, fault)."""
        params = {"limit": limit, **({"path": path} if path else {})}
        return self.control("GET", "calls", **params)

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """E.g. set_faults(busy=0.3, slow=0.1, slow_seconds=3, paths=["draft/add"], seed=1)."""
        return self.control("POST", "faults", json=settings)

    def clear_faults(self) -> None:
        self.control("DELETE", "faults")

    def advance_clock(self, seconds: float) -> float:
        return self.control("POST", "clock", json={"advance": seconds})["now"]

    def now(self) -> float:
        return self.control("GET", "clock")["now"]

    def configure(self, **settings: Any) -> dict[str, Any]:
        """webhook_url, account_type, mass_quota, publish_delay, publish_outcome, mass_delay."""
        return self.control("POST", "config", json=settings)

    def run_jobs(self) -> int:
        """Finish the publish and mass-send jobs that are due now."""
        return self.control("POST", "jobs/run")["finished"]

    def records(self, kind: str) -> dict[str, Any]:
        return self.control("GET", f"records/{kind}")

    def add_follower(self, name: str, language: str = "zh_CN") -> str:
        """Subscribe a follower without a webhook delivery; returns the openid."""
        return self.control("POST", "followers", json={"name": name, "language": language})[
            "openid"
        ]

    def follower(self, openid: str) -> dict[str, Any]:
        return self.control("GET", f"followers/{openid}")

    # -- followers who message the webhook (sandbox/web.py) ----------------------------------
    def followers_api(self, method: str, endpoint: str, json: Any = None, **params: Any) -> Any:
        """Call /sandbox/<endpoint>; a 4xx answer fails the test with its message.

        follow/say/click/view answer {openid, follower, sent, delivery{status, attempts,
        error}, replies[...]}: replies are the inbox entries the action brought (a text reply
        {"type": "text", "content"}, a news reply {"type": "news", "articles": [{title,
        description, pic_url, url}]}, {"type": "no_reply"} or {"type": "error", "error"}).
        """
        url = f"{self.url}/sandbox/{endpoint}"
        response = self._http.request(method, url, json=json, params=params, timeout=60)
        if response.status_code >= 400:
            raise AssertionError(f"sandbox {endpoint}: {response.status_code} {response.text}")
        return response.json()

    def follow(self, name: str, language: str = "zh_CN", scene: str = "") -> dict[str, Any]:
        """`name` follows (subscribe event delivered to the webhook; the welcome in replies)."""
        body = {"language": language, "scene": scene}
        return self.followers_api("POST", f"followers/{name}/follow", json=body)

    def unfollow(self, name: str) -> dict[str, Any]:
        return self.followers_api("POST", f"followers/{name}/unfollow")

    def say(self, name: str, text: str) -> dict[str, Any]:
        return self.followers_api("POST", f"followers/{name}/say", json={"text": text})

    def click(self, name: str, key: str) -> dict[str, Any]:
        """Tap the menu's click button with this key (the menu must have it: menu/create)."""
        return self.followers_api("POST", f"followers/{name}/click", json={"key": key})

    def view(self, name: str, url: str) -> dict[str, Any]:
        return self.followers_api("POST", f"followers/{name}/view", json={"url": url})

    def inbox(self, name: str, after: int = 0) -> list[dict[str, Any]]:
        """The follower's chat, oldest first: each entry has id, at, sender, via, type, ..."""
        return self.followers_api("GET", f"followers/{name}/inbox", after=after)["inbox"]

    def openid(self, name: str) -> str:
        return self.followers_api("GET", f"followers/{name}/inbox")["openid"]

    def deliveries(self) -> list[dict[str, Any]]:
        """The latest deliveries to the webhook, newest first (kind, status, attempts, calls)."""
        return self.followers_api("GET", "deliveries")["deliveries"]

    @contextmanager
    def standin_webhook(
        self, answer: Callable[[dict[str, str]], str] | None = None, **config: Any
    ) -> Iterator[StandIn]:
        """A stand-in webhook for this account on loopback, set as the webhook (plus `config`)."""
        account = self.account()
        standin = StandIn(account["token"], account["aes_key"], account["appid"], answer=answer)
        with serve_wsgi(standin.app()) as url:
            self.configure(webhook_url=f"{url}/wechat", **config)
            yield standin

    # -- clients ------------------------------------------------------------------------------
    def wechat_client(self, timeout: float = 10, **kwargs: Any) -> SandboxWeChatClient:
        """wechatpy's WeChatClient for the sandbox's account, with API_BASE_URL = api_base."""
        account = self.account()
        return SandboxWeChatClient(
            self.api_base, account["appid"], account["secret"], timeout=timeout, **kwargs
        )


def wechat_error(call: Callable[[], Any]) -> WeChatClientException:
    """The error wechatpy raises for `call` (the test fails when the call succeeds)."""
    with pytest.raises(WeChatClientException) as caught:
        call()
    return caught.value


def errcode_of(call: Callable[[], Any]) -> int:
    """WeChat's errcode for `call`, which must fail."""
    return wechat_error(call).errcode


def image_bytes(fmt: str = "JPEG", at_least: int = 0) -> bytes:
    """A small real image (JPEG, PNG, GIF), padded with trailing bytes up to `at_least` bytes."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buffer, format=fmt)
    data = buffer.getvalue()
    return data + b"\0" * max(0, at_least - len(data))


def upload(name: str, data: bytes):
    """A named in-memory file, as wechatpy's upload methods take them."""
    import io

    handle = io.BytesIO(data)
    handle.name = name
    return handle
