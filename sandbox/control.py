"""JSON endpoints under /sandbox/control/ that tests and tools use to read and steer the sandbox."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from sandbox import faults
from sandbox.state import SandboxState, key

log = logging.getLogger(__name__)

bp = Blueprint("sandbox_control", __name__, url_prefix="/sandbox/control")

# How far the clock may be moved ahead in all: ten years covers every WeChat period (tokens,
# quotas, the 48-hour rule) and keeps every date the pages show well inside the calendar.
MAX_ADVANCE = 10 * 365 * 86400

# Record kinds a test may list (GET /sandbox/control/records/<kind>).
RECORD_KINDS = {"drafts", "publishes", "articles", "mass", "materials", "images", "menu"}


class BadRequest(ValueError):
    """A control request that cannot be carried out; answered as 400 with its one-line reason."""


def _state() -> SandboxState:
    return current_app.extensions["sandbox"]


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None and request.get_data():
        raise BadRequest("the body must be a JSON object")
    if data is not None and not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object")
    return data or {}


@bp.errorhandler(BadRequest)
@bp.errorhandler(faults.FaultError)
@bp.errorhandler(ValueError)
def _bad_request(exc: Exception):
    return jsonify(error=str(exc)), 400


@bp.get("/state")
def overview():
    """Clock, counts, settings and faults in one answer."""
    st = _state()
    return jsonify(
        now=st.now(),
        counts=st.counts(),
        config=st.config(),
        faults=faults.load(st),
        followers=len(st.follower_openids()),
    )


@bp.get("/account")
def account():
    """The official account the sandbox plays (the bot needs these values to talk to it)."""
    st = _state()
    generated = current_app.config["SANDBOX_ACCOUNT_GENERATED"]
    return jsonify(**st.account.to_dict(), generated=generated)


@bp.get("/counts")
def counts():
    return jsonify(_state().counts())


@bp.get("/calls")
def calls():
    """The API call log, oldest first; ?path=draft/add filters, ?limit=N bounds."""
    limit = request.args.get("limit", default=200, type=int)
    rows = _state().calls(limit)
    path = request.args.get("path")
    if path:
        rows = [row for row in rows if row["path"] == path.strip("/")]
    return jsonify(rows)


@bp.route("/faults", methods=["GET", "POST", "DELETE"])
def fault_settings():
    """POST sets this run's faults (missing keys take their defaults), DELETE clears them."""
    st = _state()
    if request.method == "POST":
        return jsonify(faults.save(st, _json()))
    if request.method == "DELETE":
        return jsonify(faults.save(st, {}))
    return jsonify(faults.load(st))


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    """POST {"advance": seconds} moves the sandbox's clock forward (token expiry, 48-hour rule)."""
    st = _state()
    if request.method == "POST":
        seconds = _json().get("advance")
        # Finite and bounded: NaN or 1e308 would leave a clock no date can show (pages answer 500).
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or not 0 <= seconds <= MAX_ADVANCE
        ):
            raise BadRequest(f"advance must be a number of seconds from 0 to {MAX_ADVANCE}")
        if st.now() - time.time() + seconds > MAX_ADVANCE:
            raise BadRequest(f"the clock may run at most {MAX_ADVANCE} s ahead; reset it first")
        st.advance_clock(seconds)
    return jsonify(now=st.now())


@bp.route("/config", methods=["GET", "POST"])
def config():
    """Webhook URL, account type, mass quota, publish delay and outcome."""
    st = _state()
    if request.method == "POST":
        return jsonify(st.update_config(_json()))
    return jsonify(st.config())


@bp.post("/reset")
def reset():
    """Forget the whole platform state (tests start each case from an empty account)."""
    st = _state()
    removed = st.reset()
    if current_app.config["SANDBOX_ACCOUNT_GENERATED"]:
        # Keep the generated account across the reset: the bot already holds its values.
        account = st.account.to_dict()
        account.pop("original_id")
        st.r.hset(key("account"), mapping=account)
    public_url = current_app.config.get("SANDBOX_PUBLIC_URL")
    if public_url:
        st.r.set(key("public_url"), public_url)
    log.info("sandbox state reset (%d keys)", removed)
    return jsonify(removed=removed)


@bp.post("/jobs/run")
def run_jobs():
    """Finish every publish and mass-send job that is due now (instead of waiting for the tick)."""
    from sandbox import jobs

    return jsonify(finished=jobs.run_due(_state()))


@bp.post("/mass/confirm")
def confirm_mass():
    """An administrator confirms ({"msg_id": N}) or refuses ("accept": false) a held send."""
    from sandbox import jobs

    data = _json()
    msg_id = data.get("msg_id")
    if not isinstance(msg_id, int | str) or not str(msg_id).isdigit():
        raise BadRequest("msg_id is required")
    try:
        return jsonify(jobs.confirm_mass(_state(), str(msg_id), data.get("accept", True) is True))
    except jobs.NotHeld as exc:
        raise BadRequest(str(exc)) from None


@bp.get("/records/<kind>")
def records(kind: str):
    """Drafts, publishes, articles, mass sends, materials, images or the menu, by id."""
    if kind not in RECORD_KINDS:
        raise BadRequest(f"unknown record kind {kind!r}; one of {sorted(RECORD_KINDS)}")
    return jsonify(_state().all(kind))


@bp.post("/followers")
def add_follower():
    """Subscribe a follower by name (no delivery: the follower side's `follow` does that)."""
    data = _json()
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name is required")
    st = _state()
    openid = data.get("openid") or st.openid_for(name)
    return jsonify(st.follow(openid, nickname=name, language=data.get("language", "zh_CN")))


@bp.get("/followers/<openid>")
def follower(openid: str):
    data = _state().follower(openid)
    if data is None:
        return jsonify(error=f"no follower {openid}"), 404
    return jsonify(data)
