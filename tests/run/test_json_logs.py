"""LOG_FORMAT=json: one JSON object per line, with the issue, push and follower ids as fields."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonLines


def _line(msg: str, *args, **extra) -> dict:
    record = logging.LogRecord("bot.publishing", logging.INFO, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return json.loads(JsonLines().format(record))


def test_ids_named_in_the_message_become_fields():
    line = _line("push %s: issue %s is %s", "p12", 9, "drafted")
    assert (line["push"], line["issue"], line["msg"]) == (
        "p12",
        "9",
        "push p12: issue 9 is drafted",
    )


def test_a_follower_openid_becomes_a_field():
    openid = "oAbCdEfGhIjKlMnOpQrStUvWxYz0"
    assert _line("reminder %s sent to %s", "r7", openid)["openid"] == openid


def test_ids_passed_as_extra_win_and_lines_without_ids_carry_none():
    assert _line("issue 3 stored", issue=4)["issue"] == 4
    line = _line("beat lock taken")
    assert "push" not in line and "issue" not in line
