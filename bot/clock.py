"""Times as people read them: one format for the console, the CLI and the status of a push."""

from __future__ import annotations

from datetime import datetime, tzinfo


def people_time(
    moment: float | str | datetime, tz: tzinfo, *, seconds: bool = True, day: bool = True
) -> str:
    """A Unix time (number or numeric text) or a datetime as 'YYYY-MM-DD HH:MM[:SS]' in tz
    ('HH:MM[:SS]' without the day, for a moment within the next hours)."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(float(moment), tz)
    shape = ("%Y-%m-%d " if day else "") + ("%H:%M:%S" if seconds else "%H:%M")
    return moment.astimezone(tz).strftime(shape)
