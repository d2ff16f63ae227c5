"""`customservice/getkflist`: the account's customer-service staff accounts (none here)."""

from __future__ import annotations

from sandbox.api.calls import bp, reply


@bp.route("/customservice/getkflist", methods=["GET"])
def getkflist():
    return reply(kf_list=[])


@bp.route("/customservice/getonlinekflist", methods=["GET"])
def getonlinekflist():
    return reply(kf_online_list=[])
