"""Every response of the web app: a request id (for the access log) and HSTS over https.

A WSGI wrapper rather than Flask hooks, because POST /wechat is answered before Flask sees it
(bot/webhook/wsgi.py). Gunicorn's access log prints the X-Request-Id response header, and the
app's own lines about a request name the same id, so the two can be matched without the access
log ever holding the query (signature, timestamp, nonce, openid).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

REQUEST_ID = "mmsp.request_id"
# A year, as browsers' preload lists expect; only sent on https (RFC 6797: ignored over http).
HSTS = "max-age=31536000; includeSubDomains"


def request_id(environ: dict[str, Any]) -> str:
    """The id this request was given (or "-" outside the wrapper)."""
    return environ.get(REQUEST_ID, "-")


class RequestTags:
    """Gives each request an id, echoes it as X-Request-Id, adds HSTS behind https."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        rid = secrets.token_hex(8)
        environ[REQUEST_ID] = rid
        https = environ.get("wsgi.url_scheme") == "https"

        def tagged(status: str, headers: list, exc_info=None):
            headers = [h for h in headers if h[0].lower() != "x-request-id"]
            headers.append(("X-Request-Id", rid))
            if https and not any(h[0].lower() == "strict-transport-security" for h in headers):
                headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, tagged)
