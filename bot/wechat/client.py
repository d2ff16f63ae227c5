"""The one WeChat API client: wechatpy's WeChatClient with our API base, shared token and errors."""

from __future__ import annotations

import json
import logging
import os
from collections import Counter

import redis
import requests
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.session.redisstorage import RedisStorage

from bot.wechat.apis import CustomAPI, CustomServiceAPI, DraftAPI, MassAPI, OpenAPI
from bot.wechat.errors import TOKEN_CODES, WeChatAPIError, network_error, redact
from bot.wechat.token import SharedToken
from config import Settings

log = logging.getLogger(__name__)

# WeChat's own host, which wechatpy's API groups with a base address of their own name.
WECHAT_ROOT = "https://api.weixin.qq.com/"
# (connect, read) seconds for every call; uploads and publishing answer within a few seconds.
DEFAULT_TIMEOUT = (3.05, 20)


class BotWeChatClient(WeChatClient):
    """wechatpy's client whose every call goes to `api_base`, with a token shared in Redis."""

    draft = DraftAPI()
    mass = MassAPI()
    custom = CustomAPI()
    customservice = CustomServiceAPI()
    openapi = OpenAPI()

    def __init__(
        self, appid: str, secret: str, r: redis.Redis, api_base: str, timeout=DEFAULT_TIMEOUT
    ):
        # wechatpy keeps other tickets (jsapi) in the session: share those in Redis as well.
        super().__init__(appid, secret, session=RedisStorage(r, prefix="wx"), timeout=timeout)
        self.API_BASE_URL = api_base
        self.redis = r
        self.shared_token = SharedToken(r, appid, self._fetch_stable_token)
        self.calls: Counter[str] = Counter()  # calls made by this client, by API path

    @property
    def access_token(self) -> str:
        return self.shared_token.get()

    def fetch_access_token(self) -> dict:
        """wechatpy's hook: renew the shared token (one fetch across processes, stable_token).

        https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
        """
        return {"access_token": self.shared_token.replace_failed(self.shared_token.get())}

    def _fetch_stable_token(self, force_refresh: bool) -> dict:
        """A token from stable_token (force_refresh only to replace one WeChat refused).

        https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken
        """
        body = {
            "grant_type": "client_credential",
            "appid": self.appid,
            "secret": self.secret,
            "force_refresh": force_refresh,
        }
        self.calls["stable_token"] += 1
        try:
            res = self._http.post(
                f"{self.API_BASE_URL}stable_token", json=body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise network_error("stable_token", exc) from None
        result = self._checked(res, "stable_token")
        if "access_token" not in result:
            raise WeChatAPIError(None, "stable_token answered without access_token", "stable_token")
        return result

    @property
    def api_root(self) -> str:
        """The address of the API groups outside /cgi-bin/ (WeChat's https://api.weixin.qq.com/)."""
        return self.API_BASE_URL.removesuffix("cgi-bin/")

    def base_for(self, group_base: str | None) -> str:
        """Where a call of an API group goes: wechatpy's groups with their own base address
        (datacube, customservice, template...) name WeChat's host; they move with ours."""
        if not group_base:
            return self.API_BASE_URL
        if group_base.startswith(WECHAT_ROOT):
            return self.api_root + group_base.removeprefix(WECHAT_ROOT)
        return group_base

    def _request(self, method, url_or_endpoint, **kwargs):
        base = self.base_for(kwargs.pop("api_base_url", None))
        if url_or_endpoint.startswith(("http://", "https://")):
            url = url_or_endpoint
        else:
            url = f"{base}{url_or_endpoint}"
        api = url.split("?")[0].removeprefix(self.API_BASE_URL).removeprefix(self.api_root)
        retried = kwargs.pop("_token_retried", False)
        params = kwargs.setdefault("params", {})
        token = None
        if isinstance(params, dict):
            token = params.get("access_token") or self.access_token
            params["access_token"] = token
        if isinstance(kwargs.get("data"), dict | list):
            kwargs["data"] = json.dumps(kwargs["data"], ensure_ascii=False).encode("utf-8")
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json; charset=utf-8"
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        processor = kwargs.pop("result_processor", None)
        self.calls[api] += 1
        try:
            res = self._http.request(method=method, url=url, **kwargs)
        except requests.RequestException as exc:
            raise network_error(api, exc) from None
        try:
            result = self._checked(res, api)
        except WeChatAPIError as exc:
            if exc.errcode in TOKEN_CODES and token and not retried:
                log.info(
                    "%s answered %s: renewing the shared token and retrying once", api, exc.errcode
                )
                params["access_token"] = self.shared_token.replace_failed(token)
                _rewind_files(kwargs.get("files"))
                return self._request(
                    method, url, _token_retried=True, result_processor=processor, **kwargs
                )
            raise
        if not isinstance(result, dict):
            return result
        return processor(result) if processor else result

    def _checked(self, res: requests.Response, api: str):
        """The decoded answer, or WeChatAPIError for HTTP errors and non-zero errcodes."""
        if res.status_code >= 400:
            err = WeChatAPIError(None, f"HTTP {res.status_code}", api, response=res)
            err.retryable = res.status_code >= 500 or res.status_code == 429
            raise err
        result = self._decode_result(res)
        if isinstance(result, dict) and int(result.get("errcode") or 0) != 0:
            errcode = int(result["errcode"])
            errmsg = redact(str(result.get("errmsg", "")))
            log.info("%s answered errcode %s: %s", api, errcode, errmsg)
            raise WeChatAPIError(errcode, errmsg, api, result, client=self, response=res)
        return result


def _rewind_files(files) -> None:
    """Let a retried upload send its file again (bytes need nothing; file objects are rewound)."""
    for value in (files or {}).values():
        handle = value[1] if isinstance(value, tuple) else value
        if hasattr(handle, "seek"):
            handle.seek(0)


def build_client(settings: Settings, r: redis.Redis, timeout=DEFAULT_TIMEOUT) -> BotWeChatClient:
    """A client for these settings and this Redis (outside an app, e.g. in tests and benchmarks)."""
    settings.require("WECHAT_APPID", "WECHAT_SECRET")
    return BotWeChatClient(
        settings.WECHAT_APPID, settings.WECHAT_SECRET, r, settings.WECHAT_API_BASE, timeout
    )


def get_client() -> BotWeChatClient:
    """The app's client (one per process, so forked workers do not share HTTP connections)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("wechat_client")
    if cached is None or cached[0] != os.getpid():
        cached = (os.getpid(), build_client(app.extensions["settings"], app.extensions["redis"]))
        app.extensions["wechat_client"] = cached
    return cached[1]
