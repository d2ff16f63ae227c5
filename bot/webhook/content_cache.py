"""The issues' content as the webhook reads it: from this process's memory, valid for one index
version, so that an answer costs no Redis round trip beyond the claim's.

Every change of what followers are answered from (an issue made current, articles published)
increments `issue:idx:version`; the webhook reads that version on the claim's round trip
(bot/handlers/content.py) and answers through `ContentReads`, a view of the Redis client whose
reads of the issues' keys are kept per version and whose every other command goes to Redis.
"""

from __future__ import annotations

import threading
from typing import Any

# Keys whose content only changes together with the index version.
PREFIXES = ("issue:", "push:published:")
# Read commands whose answers may be kept (the keys are their first argument, or a list of keys).
READS = frozenset(
    {
        "get",
        "mget",
        "hget",
        "hgetall",
        "hmget",
        "hlen",
        "hvals",
        "hkeys",
        "hexists",
        "exists",
        "smembers",
        "sismember",
        "scard",
        "sunion",
        "zrange",
        "zrevrange",
        "zrangebyscore",
        "zrevrangebyscore",
        "zscore",
        "zrank",
        "zrevrank",
        "zcard",
        "zcount",
        "lrange",
        "llen",
    }
)
# At most this many answers are kept per process; past it the cache starts afresh.
MAX_ENTRIES = 20000

_lock = threading.Lock()
# The kept content by (database, index version): one version per database (a process answers
# for one; a bench or a test may hold apps on several, and versions count per database).
_held: dict[tuple, dict] = {}
MAX_DATABASES = 8


def cache_for(version: int, database: object = None) -> dict:
    """The answers kept for this index version of this database (a new, empty one when the
    version changed)."""
    key = (database, version)
    cache = _held.get(key)
    if cache is not None:
        return cache
    with _lock:
        cache = _held.get(key)
        if cache is None:
            for old in [k for k in _held if k[0] == database]:
                del _held[old]
            if len(_held) >= MAX_DATABASES:
                _held.clear()
            cache = _held[key] = {}
        return cache


def database_of(client: Any) -> tuple:
    """What tells the database a client reads apart from another's (server and number)."""
    pool = getattr(client, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", None) or {}
    return (
        type(pool).__name__,
        kwargs.get("host"),
        kwargs.get("port"),
        kwargs.get("path"),
        kwargs.get("db"),
        getattr(pool, "service_name", None),
    )


# Photos and covers are bytes stored by content hash, never read to answer a follower; a
# topic filter's scratch keys (events with every term) live for one call.
EXCLUDED = ("issue:photo:", "issue:cover:", "issue:idx:scratch:")


def _kept(key: object) -> bool:
    return isinstance(key, str) and key.startswith(PREFIXES) and not key.startswith(EXCLUDED)


def _cacheable(name: str, args: tuple) -> bool:
    if name not in READS or not args:
        return False
    keys = args[0]
    if isinstance(keys, str):
        return _kept(keys)
    if name in ("mget", "sunion") and isinstance(keys, list | tuple):
        return bool(keys) and all(_kept(k) for k in keys)
    return False


def _key(name: str, args: tuple, kwargs: dict) -> tuple:
    frozen = tuple(tuple(a) if isinstance(a, list) else a for a in args)
    return (name, frozen, tuple(sorted(kwargs.items())) if kwargs else ())


def _copy(value: Any) -> Any:
    """A shallow copy of a mutable answer, so that a caller's change never reaches the cache."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, set):
        return set(value)
    return value


def keep(cache: dict, key: tuple, value: Any) -> None:
    """Keep an answer computed from this version's content (bounded like the reads)."""
    _keep(cache, key, value)


def _keep(cache: dict, key: tuple, value: Any) -> None:
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    cache[key] = _copy(value)


class ContentReads:
    """A Redis client whose reads of the issues' keys come from `cache` once read.

    `outside` counts the commands that were not such reads (writes, a follower's keys): an
    answer that sent none depends only on the content of this version, and may be kept too.
    """

    def __init__(self, client: Any, cache: dict) -> None:
        self._client = client
        self._cache = cache
        self.cache = cache
        self.outside = 0

    @property
    def wait_replicas(self) -> Any:
        # confirm_writes' setting, not a command: passed as it is (it is callable behind Sentinel).
        return self._client.wait_replicas

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name not in READS:
            if not callable(attr):
                return attr

            def other(*args, **kwargs):
                self.outside += 1
                return attr(*args, **kwargs)

            return other

        def read(*args, **kwargs):
            if not _cacheable(name, args):
                self.outside += 1
                return attr(*args, **kwargs)
            key = _key(name, args, kwargs)
            try:
                return _copy(self._cache[key])
            except KeyError:
                value = attr(*args, **kwargs)
                _keep(self._cache, key, value)
                return value

        return read

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Any:
        pipe = self._client.pipeline(transaction, shard_hint)
        if transaction:
            # A transaction (MULTI, WATCH) is for writes: it goes to Redis as it is.
            self.outside += 1
            return pipe
        return CachedPipeline(pipe, self._cache, self)


class CachedPipeline:
    """A pipeline whose kept reads are answered from the cache; the rest go in one round trip."""

    def __init__(self, pipe: Any, cache: dict, owner: ContentReads | None = None) -> None:
        self._pipe = pipe
        self._cache = cache
        self._owner = owner
        self._queued: list[tuple[str, tuple, dict]] = []

    def __enter__(self) -> CachedPipeline:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.reset()

    def __len__(self) -> int:
        return len(self._queued)

    def reset(self) -> None:
        self._queued = []
        self._pipe.reset()

    def __getattr__(self, name: str) -> Any:
        getattr(self._pipe, name)  # an unknown command fails here, as on a pipeline

        def queue(*args, **kwargs):
            self._queued.append((name, args, kwargs))
            return self

        return queue

    def execute(self, raise_on_error: bool = True) -> list:
        queued, self._queued = self._queued, []
        results: list[Any] = [None] * len(queued)
        missing = []
        for i, (name, args, kwargs) in enumerate(queued):
            key = _key(name, args, kwargs) if _cacheable(name, args) else None
            if key is not None and key in self._cache:
                results[i] = _copy(self._cache[key])
                continue
            missing.append((i, key))
            if key is None and self._owner is not None:
                self._owner.outside += 1
            getattr(self._pipe, name)(*args, **kwargs)
        if missing:
            answers = self._pipe.execute(raise_on_error=raise_on_error)
            for (i, key), value in zip(missing, answers, strict=True):
                results[i] = value
                if key is not None and not isinstance(value, Exception):
                    _keep(self._cache, key, value)
        return results
