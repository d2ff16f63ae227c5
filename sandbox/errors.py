"""The error answer of WeChat's API, shared by the API groups and the fault injection."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A WeChat error answer: HTTP 200 with {errcode, errmsg}, as the platform sends them."""

    def __init__(self, errcode: int, errmsg: str, **extra: Any):
        super().__init__(f"{errcode} {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.extra = extra
