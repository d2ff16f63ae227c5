"""The publishing pipeline: a push takes one issue to WeChat exactly once, on schedule.

`api` holds what staff do (push now or at a time, schedules, status, quota); `pipeline` runs a
push step by step, recording each step in Redis (`push:` keys, see `state`); `status` reads a
push or schedule into the typed status the console and the CLI show; `schedule` keeps
scheduled pushes (`sched:` keys) that beat fires once; `content` turns the stored issue into the
articles of the draft and keeps what was published (`published_articles`); `sends` keeps every
broadcast per issue and audience, `quota` counts them in Beijing days and months, `outcomes`
turns WeChat's answers into hints, `cleanup` deletes drafts nothing needs.
"""

from bot.publishing.content import published_articles

__all__ = ["published_articles"]
