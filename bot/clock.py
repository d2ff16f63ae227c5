"""Times as people read them: one format for the console, the CLI and the status of a push."""

from __future__ import annotations

from datetime import datetime, tzinfo


def people_time(moment: float | str | datetime, tz: tzinfo, *, seconds: bool = True) -> str:
    """A Unix time (number or numeric text) or a datetime as 'YYYY-MM-DD HH:MM[:SS]' in tz."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(float(moment), tz)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
