"""Gunicorn settings of the `web` process (Procfile, `mmsp-bot run`), sized for WeChat's 5 s rule.

WeChat drops a webhook call that gets no answer within 5 s and retries it (three retries in
total). The handlers answer from Redis in milliseconds and hand slow work to Celery, so what
matters here is that a call never waits behind others: threads per worker, several workers, and
a stuck worker replaced quickly. Every value can be changed from the environment.
"""

import gc
import os

bind = [f"{os.environ.get('WEB_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"]
# Processes per machine (gunicorn's own variable); each serves `threads` calls at once.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# A worker silent this long is killed and replaced; well below WeChat's three retries (15 s).
timeout = int(os.environ.get("WEB_TIMEOUT", "10"))
graceful_timeout = 10
# Behind a reverse proxy, keep its connections open a little longer than its own idle timeout.
keepalive = 5
# WeChat's calls are small; refuse absurd request lines and headers early.
limit_request_line = 8190
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
# The path without its query: WeChat's query holds the signature, timestamp, nonce and the
# follower's openid, which together let anyone who reads the log forge a plaintext call for
# minutes. The request id (bot/request_tags.py) matches a line to the app's own lines about it.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
# Gunicorn 27's control socket sits at one path per user: several web processes on a machine
# would fight over it, and nothing here uses it.
control_socket_disable = True


def post_worker_init(worker):
    """Move everything loaded at start-up out of the garbage collector's sight.

    The app's modules, Flask, Celery and Jinja are tens of thousands of long-lived objects that
    every full collection would scan again (about 50 ms, a pause every few thousand requests).
    """
    gc.freeze()


if os.environ.get("LOG_FORMAT") == "json":
    # Gunicorn's own lines (start, workers, access) as JSON lines too, like the app's (bot/logs.py).
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "bot.logs.JsonLines"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        # The app installs its own root handler (bot/logs.py); none here, or lines would double.
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
        },
    }
