"""The Redis connection shared by the app's requests (one pool per process)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

import redis
from flask import Flask, current_app
from redis.sentinel import Sentinel

_CLIENT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2, "health_check_interval": 30}


@dataclass(frozen=True)
class SentinelUrl:
    """`sentinel://[:password@]host:port[,host:port...][/db]?master_name=NAME` split in parts."""

    hosts: tuple[tuple[str, int], ...]
    master_name: str
    db: int = 0
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SentinelUrl:
        parts = urlsplit(url)
        auth, _, hostlist = parts.netloc.rpartition("@")
        password = unquote(auth.partition(":")[2]) if auth else None
        hosts = []
        for item in hostlist.split(","):
            host, _, port = item.strip().rpartition(":")
            hosts.append((host or item.strip(), int(port) if port.isdigit() else 26379))
        master = parse_qs(parts.query).get("master_name", [""])[0]
        if not master or not hostlist:
            raise ValueError("a sentinel:// REDIS_URL needs hosts and ?master_name=NAME")
        db = parts.path.strip("/")
        return cls(tuple(hosts), master, int(db) if db.isdigit() else 0, password or None)

    def celery_urls(self) -> str:
        """Celery's spelling: one sentinel:// URL per sentinel, joined by ';'."""
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return ";".join(f"sentinel://{auth}{host}:{port}/{self.db}" for host, port in self.hosts)


def connect(url: str) -> redis.Redis:
    """A client with short timeouts, so that a dead Redis fails a request instead of hanging it."""
    if url.startswith("sentinel://"):
        target = SentinelUrl.parse(url)
        sentinel = Sentinel(list(target.hosts), socket_timeout=2, socket_connect_timeout=2)
        return sentinel.master_for(
            target.master_name,
            db=target.db,
            password=target.password,
            decode_responses=True,
            **_CLIENT_OPTIONS,
        )
    return redis.Redis.from_url(url, decode_responses=True, **_CLIENT_OPTIONS)


def celery_connection(url: str) -> dict[str, object]:
    """Celery's broker and result settings for a REDIS_URL (Sentinel URLs translated)."""
    if not url.startswith("sentinel://"):
        return {"broker_url": url, "result_backend": url}
    target = SentinelUrl.parse(url)
    options = {"master_name": target.master_name}
    return {
        "broker_url": target.celery_urls(),
        "result_backend": target.celery_urls(),
        "broker_transport_options": options,
        "result_backend_transport_options": options,
    }


def init_app(app: Flask) -> None:
    app.extensions["redis"] = connect(app.config["REDIS_URL"])


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
