"""The sandbox's own pages and control endpoints answer only loopback requests from themselves.

They show the account's AppSecret and keys and steer everything: a web page the operator
visits could reach them through DNS rebinding (its own host name resolving to 127.0.0.1, so
the browser sends that name as Host) or post to them cross-origin. WeChat's API under /cgi-bin/
and the published article pages stay open, as WeChat's are.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import Response, request

# Prefixes under /sandbox/ that only the operator's own machine may use.
GUARDED = (
    "/sandbox/control/",
    "/sandbox/platform",
    "/sandbox/followers",
    "/sandbox/chat",
    "/sandbox/deliveries",
)


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1, with or without a port."""
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _cross_origin() -> bool:
    """A browser's POST from another origin (scripts and the CLI send no Origin at all)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    return urlsplit(origin).netloc != request.host


def refuse_foreign() -> Response | None:
    """Before every request: 403 for a guarded path with a foreign Host or a cross-origin POST."""
    path = request.path
    if path != "/sandbox/" and not path.startswith(GUARDED):
        return None
    if not is_loopback_host(request.host):
        return Response(
            "the sandbox answers only on a loopback host name\n", 403, mimetype="text/plain"
        )
    if request.method not in ("GET", "HEAD", "OPTIONS") and _cross_origin():
        return Response("cross-origin request refused\n", 403, mimetype="text/plain")
    return None
