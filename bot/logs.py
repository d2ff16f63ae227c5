"""Logging set-up: one line per event, plain text or JSON lines (LOG_FORMAT)."""

from __future__ import annotations

import json
import logging
import re
import time

from flask import Flask

# Extra fields that log calls may pass (extra={...}) and that JSON lines carry.
CONTEXT_FIELDS = ("issue", "push", "openid", "msg_id", "step", "errcode", "schedule", "reminder")

# The project's log lines name their ids in words ("push p12: issue 9 is drafted"); JSON lines
# lift them into fields, so an operator can filter by id without every call passing extra=.
_IDS_IN_TEXT = {
    "issue": re.compile(r"\bissue #?(\d+)\b"),
    "push": re.compile(r"\bpush (p\d+)\b"),
    "openid": re.compile(r"\b(?:follower|to|openid) (o[A-Za-z0-9_-]{20,})\b"),
    "schedule": re.compile(r"\bschedule ([A-Za-z0-9_:-]+)"),
    "reminder": re.compile(r"\breminder ([A-Za-z0-9_:-]+)"),
}


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
            elif name in _IDS_IN_TEXT and (found := _IDS_IN_TEXT[name].search(line["msg"])):
                line[name] = found.group(1)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RoutineAtDebug(logging.Filter):
    """Celery's per-run lines about routine periodic tasks, demoted to DEBUG.

    Beat sends the push tick every 2 seconds; Celery logs each send, receipt and success at INFO,
    which buries the lines that say something changed. Those lines stay under --loglevel=DEBUG.
    """

    # The Celery loggers that write a line per task run.
    LOGGERS = ("celery.beat", "celery.worker.strategy", "celery.app.trace")

    def __init__(self, task_names: tuple[str, ...]):
        super().__init__()
        self.task_names = task_names

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO:
            return True
        message = record.getMessage()
        if not any(name in message for name in self.task_names):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


def quiet_routine_tasks(task_names: tuple[str, ...]) -> None:
    """Log the runs of these periodic tasks at DEBUG only; idempotent."""
    for name in RoutineAtDebug.LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RoutineAtDebug) for f in logger.filters):
            logger.addFilter(RoutineAtDebug(task_names))


def configure(log_format: str = "text", level: int = logging.INFO) -> None:
    """Install one handler on the root logger; idempotent."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_mmsp", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._mmsp = True
        root.addHandler(handler)
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.setLevel(level)


# Libraries that report what they repaired or skipped (a damaged PDF, a font table) through
# logging or warnings: useful in a server's log, noise before the CLI's own one-line answer.
CHATTY_LIBRARIES = ("pypdf", "pdfminer", "pdfplumber", "fontTools", "PIL", "fpdf", "py.warnings")


def quiet_libraries() -> None:
    """Keep the libraries' warnings out of a command's output (errors still show)."""
    logging.captureWarnings(True)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR)


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"])
