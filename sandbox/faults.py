"""Fault injection for reliability tests: busy, limited, revoked, slow, dropped."""

from __future__ import annotations

import contextlib
import json
import logging
import random
import socket
import threading
import time
from typing import Any

from flask import g

from sandbox.errors import ApiError
from sandbox.state import SandboxState, key

log = logging.getLogger(__name__)

# Each probabilistic fault answers with WeChat's errcode for it.
ERROR_FAULTS = {
    "busy": (-1, "system error"),
    "rate_limited": (45009, "reach max api daily quota limit"),
    "token_revoked": (40001, "invalid credential, access_token is invalid or not latest"),
}
PROBABILITIES = ("busy", "rate_limited", "token_revoked", "slow", "drop")
DEFAULTS: dict[str, Any] = {
    **{name: 0.0 for name in PROBABILITIES},
    # How long a slow answer waits before it is sent (past a client's usual timeout).
    "slow_seconds": 6.0,
    # API paths (e.g. "message/mass/sendall") the faults apply to; empty = all but token fetches.
    "paths": [],
    # Per-path limits: {"menu/create": {"limit": 2, "per": 60}} → 45011 (per < 1 day) or 45009.
    "rate_limits": {},
    # A seed makes the sequence of injected faults repeatable.
    "seed": None,
}

_rng_lock = threading.Lock()
_rng = random.Random()
_rng_seed: object = object()


class FaultError(ValueError):
    """A fault setting that makes no sense; the message names it."""


def validate(settings: dict[str, Any]) -> dict[str, Any]:
    """The complete fault settings, or FaultError naming the first bad one."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise FaultError(f"unknown fault setting {sorted(unknown)[0]!r}")
    merged = {**DEFAULTS, **settings}
    for name in PROBABILITIES:
        value = merged[name]
        if not isinstance(value, int | float) or not 0 <= value <= 1:
            raise FaultError(f"{name} must be a probability between 0 and 1")
    if not isinstance(merged["slow_seconds"], int | float) or merged["slow_seconds"] < 0:
        raise FaultError("slow_seconds must be a non-negative number")
    if not isinstance(merged["paths"], list):
        raise FaultError("paths must be a list of API paths such as 'draft/add'")
    if not isinstance(merged["rate_limits"], dict):
        raise FaultError('rate_limits must map API paths to {"limit": n, "per": seconds}')
    for path, limit in merged["rate_limits"].items():
        count = limit.get("limit") if isinstance(limit, dict) else None
        if not isinstance(count, int) or count < 0:
            raise FaultError(f"rate_limits[{path!r}] needs a non-negative integer 'limit'")
        per = limit.get("per", 60)
        if not isinstance(per, int | float) or per <= 0:
            raise FaultError(f"rate_limits[{path!r}] needs a positive 'per' (seconds)")
    merged["rate_limits"] = {p.strip("/"): v for p, v in merged["rate_limits"].items()}
    merged["paths"] = [p.strip("/") for p in merged["paths"]]
    return merged


def load(st: SandboxState) -> dict[str, Any]:
    raw = st.r.get(key("faults"))
    return {**DEFAULTS, **json.loads(raw)} if raw else dict(DEFAULTS)


def save(st: SandboxState, settings: dict[str, Any]) -> dict[str, Any]:
    global _rng_seed
    merged = validate(settings)
    with _rng_lock:
        _rng_seed = object()  # a new setting restarts its seeded sequence
    st.r.set(key("faults"), json.dumps(merged))
    return merged


def _draw(seed: object) -> float:
    global _rng_seed
    with _rng_lock:
        if seed != _rng_seed:
            _rng.seed(seed)
            _rng_seed = seed
        return _rng.random()


def _applies(settings: dict[str, Any], path: str) -> bool:
    if settings["paths"]:
        return path in settings["paths"]
    return path not in {"token", "stable_token"}


def _check_rate_limit(st: SandboxState, settings: dict[str, Any], path: str) -> None:
    limit = settings["rate_limits"].get(path)
    if not limit:
        return
    per = float(limit.get("per", 60))
    window = int(st.now() // per)
    counter = key("rate", path, int(per), window)
    used = st.r.incr(counter)
    st.r.expire(counter, int(per) + 60)
    if used > int(limit["limit"]):
        g.fault = "rate_limit"
        if per >= 86400:
            raise ApiError(45009, "reach max api daily quota limit")
        raise ApiError(45011, "api minute-quota reach limit, mustslower retry next minute")


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's socket without an answer, as a broken network would."""
    sock = environ.get("werkzeug.socket")
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def apply(st: SandboxState, path: str, environ: dict[str, Any]) -> None:
    """Inject this run's faults into one API call (raise ApiError, sleep, or drop the socket)."""
    settings = load(st)
    _check_rate_limit(st, settings, path)
    if not _applies(settings, path):
        return
    for name in PROBABILITIES:
        probability = settings[name]
        if not probability or _draw(settings["seed"]) >= probability:
            continue
        g.fault = name
        st.count(f"fault:{name}")
        log.info("sandbox fault %s injected into %s", name, path)
        if name == "drop":
            _drop_connection(environ)
            raise ApiError(-1, "system error")
        if name == "slow":
            # The call still takes effect after the delay: the client cannot know whether it did.
            time.sleep(settings["slow_seconds"])
            continue
        errcode, errmsg = ERROR_FAULTS[name]
        raise ApiError(errcode, errmsg)
