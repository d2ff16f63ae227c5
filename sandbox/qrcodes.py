"""The parametric QR codes qrcode/create made: by ticket, and by the URL their image encodes."""

from __future__ import annotations

from typing import Any

from sandbox.state import SandboxState, key


def save_code(st: SandboxState, code: dict[str, Any]) -> None:
    st.r.hset(key("qrcode", code["ticket"]), mapping=code)
    st.r.hset(key("qrcode_urls"), code["url"], code["ticket"])


def find_code(st: SandboxState, ticket_or_url: str) -> dict[str, Any] | None:
    """The code a ticket or image URL names, with `expired` set on the sandbox clock."""
    ticket = st.r.hget(key("qrcode_urls"), ticket_or_url) or ticket_or_url
    code = st.r.hgetall(key("qrcode", ticket))
    if not code:
        return None
    expires = float(code.get("expires") or 0)
    return {**code, "expired": bool(expires) and st.now() >= expires}
