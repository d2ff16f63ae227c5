"""The Redis connection shared by the app's requests (one pool per process), and durable writes.

A write a follower is told about (a follow, a topic, a reminder, a language) or a push step
must survive a Sentinel fail-over. Redis replicates asynchronously, so such writes end with
confirm_writes(): `WAIT` until the replicas have them, and a clear error when they do not in
time. Behind Sentinel it waits for every replica Sentinel sees in sync (at least one), and a
write counts only on the master every sentinel names while none is failing it over, with
nothing of the thread sent elsewhere since: a master being replaced still takes writes, and
its last replica still acknowledges them, until Sentinel demotes it and drops them. With no
replica configured (`make run`, a single Redis) it costs nothing.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

import redis
from flask import Flask, current_app
from kombu.exceptions import OperationalError
from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import redis as kombu_redis
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel, SentinelManagedConnection

_CLIENT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2, "health_check_interval": 30}


def _retry() -> Retry:
    """redis-py's own retries of a failed command: about a second in all (its default is 4 s),
    so that callers with a deadline (the webhook's 5 s) decide what to do next."""
    return Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.4), retries=4)


# WAIT covers every write its connection made before it; a write of our own on that connection
# makes it cover every write this process finished before too (replication is one ordered stream).
FENCE_KEY = "redis:fence"
DEFAULT_WAIT_MS = 500


class NotReplicated(redis.ConnectionError):
    """No replica acknowledged the writes in time: they may be lost in a fail-over; retry them."""


# The servers this thread sent commands to since its last confirm_writes() (or request): a
# write that went to the old master on one connection is not confirmed by a fence that another
# connection, reconnected meanwhile, wrote to the new one.
_used = threading.local()


def servers_used() -> set[tuple[str, int]]:
    if not hasattr(_used, "servers"):
        _used.servers = set()
    return _used.servers


def forget_servers_used() -> None:
    servers_used().clear()


def _address(conn) -> tuple[str, int]:
    # A unix socket has no address; only Sentinel's masters are compared with one.
    return str(getattr(conn, "host", "")), int(getattr(conn, "port", 0))


class MasterConnection(SentinelManagedConnection):
    """A connection to Sentinel's master that asks Sentinel again when that master is stale.

    A master answering NOREPLICAS (min-replicas-to-write) has lost its replicas, most likely
    because Sentinel promoted one of them: like READONLY, it means "find the master again".
    """

    def send_packed_command(self, *args, **kwargs):
        super().send_packed_command(*args, **kwargs)
        servers_used().add(_address(self))

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except redis.ResponseError as exc:
            if not str(exc).startswith("NOREPLICAS"):
                raise
            self.disconnect()
            raise redis.ConnectionError("the master has no replica in sync (NOREPLICAS)") from exc


class SyncedReplicas:
    """How many replicas the sentinels see in sync with the master (at least 1), and where the
    sentinels say the master is; asked again at most once a second, and at once after a write
    they did not confirm."""

    MAX_AGE = 1.0

    def __init__(self, sentinel: Sentinel, master_name: str) -> None:
        self._sentinel = sentinel
        self._master = master_name
        self._lock = threading.Lock()
        self._count = 1
        self._masters: set[tuple[str, int]] = set()
        self._switching: set[tuple[str, int]] = set()
        self._answered = 0
        self._asked = float("-inf")

    def __call__(self) -> int:
        with self._lock:
            self._refresh()
            return self._count

    def replaced(self, address: tuple[str, int]) -> bool:
        """Whether the master at `address` may be on its way out: some sentinel names another
        master, or one is failing it over (a replica promoted, the switch not announced yet),
        or fewer than a majority of the sentinels answered. A master being replaced still
        takes writes, and its last replica still confirms them, until Sentinel demotes it;
        those writes are then dropped."""
        with self._lock:
            self._refresh()
            majority = len(self._sentinel.sentinels) // 2 + 1
            return (
                any(master != address for master in self._masters)
                or address in self._switching
                or self._answered < majority
            )

    def forget(self) -> None:
        with self._lock:
            self._asked = float("-inf")

    def _refresh(self) -> None:
        if time.monotonic() - self._asked > self.MAX_AGE:
            counts, self._masters, self._switching = self._ask()
            self._answered = len(counts)
            self._count = max(counts, default=1) or 1
            self._asked = time.monotonic()

    def _ask(self) -> tuple[list[int], set[tuple[str, int]], set[tuple[str, int]]]:
        # The largest count any sentinel reports: while a fail-over spreads, a sentinel that has
        # switched already counts the new master's replicas (one), while the old master still
        # has the other replica in sync; asking for both (the old view) keeps it from confirming
        # a write the new master will never have.
        counts, masters, switching = [], set(), set()
        for sentinel in self._sentinel.sentinels:
            try:
                master = sentinel.sentinel_master(self._master)
                replicas = sentinel.sentinel_slaves(self._master)
            except redis.RedisError:
                continue
            address = (str(master["ip"]), int(master["port"]))
            masters.add(address)
            counts.append(sum(1 for r in replicas if _in_sync(r)))
            if _failing_over(master, replicas):
                switching.add(address)
        return counts, masters, switching


def _failing_over(master: dict, replicas: list[dict]) -> bool:
    """The leading sentinel's view while it fails the master over: until it announces the new
    master, it still names the old one, whose writes the promoted replica no longer gets."""
    flags = [master.get("flags", "")] + [replica.get("flags", "") for replica in replicas]
    return "failover_in_progress" in flags[0] or any("promoted" in f for f in flags[1:])


def _in_sync(replica: dict) -> bool:
    down = replica.get("is_sdown") or replica.get("is_odown") or replica.get("is_disconnected")
    return not down and replica.get("master-link-status") == "ok"


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


def connect(
    url: str,
    wait_replicas: int | None = None,
    wait_ms: int = DEFAULT_WAIT_MS,
    decode_responses: bool = True,
    retry: Retry | None = None,
) -> redis.Redis:
    """A client with short timeouts, so that a dead Redis fails a request instead of hanging it.

    wait_replicas: how many replicas confirm_writes() waits for; None means every replica in
    sync behind Sentinel (see SyncedReplicas) and none for a plain redis:// URL.
    """
    if url.startswith("sentinel://"):
        target = SentinelUrl.parse(url)
        sentinel = Sentinel(list(target.hosts), socket_timeout=2, socket_connect_timeout=2)
        client = sentinel.master_for(
            target.master_name,
            db=target.db,
            password=target.password,
            decode_responses=decode_responses,
            connection_class=MasterConnection,
            retry=retry or _retry(),
            **_CLIENT_OPTIONS,
        )
        default_replicas = SyncedReplicas(sentinel, target.master_name)
    else:
        client = redis.Redis.from_url(
            url, decode_responses=decode_responses, retry=retry or _retry(), **_CLIENT_OPTIONS
        )
        default_replicas = 0
    client.wait_replicas = default_replicas if wait_replicas is None else wait_replicas
    client.wait_ms = wait_ms
    return client


def confirm_writes(client: redis.Redis) -> None:
    """Return once `wait_replicas` replicas hold every write this process finished so far.

    Raises NotReplicated (a ConnectionError) when they do not within `wait_ms`; the connections
    are dropped then, so that the retry asks Sentinel for the master again. A client without
    replicas to wait for returns at once, without a round trip.
    """
    wanted = getattr(client, "wait_replicas", 0)
    replicas = wanted() if callable(wanted) else wanted
    if not replicas:
        return
    acked, address = _fence(client, replicas)
    used = servers_used() - {address}
    forget_servers_used()
    replaced = isinstance(wanted, SyncedReplicas) and (bool(used) or wanted.replaced(address))
    if acked < replicas or replaced:
        if isinstance(wanted, SyncedReplicas):
            wanted.forget()
        client.connection_pool.disconnect(inuse_connections=False)
        if replaced:
            raise NotReplicated("the master that took the writes is being replaced")
        expected = f"{replicas} replica(s) within {client.wait_ms} ms"
        raise NotReplicated(f"{acked} of {expected} confirmed the writes")


def _fence(client: redis.Redis, replicas: int) -> tuple[int, tuple[str, int]]:
    """Write the fence and WAIT on one connection; how many replicas confirmed, and the address
    of the server that took it (the one whose replicas answered)."""
    pool = client.connection_pool
    conn = pool.get_connection()
    token = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def fence() -> int:
        conn.send_command("SET", FENCE_KEY, token, "EX", 60)
        conn.send_command("WAIT", replicas, client.wait_ms)
        conn.read_response()
        return int(conn.read_response())

    try:
        acked = conn.retry.call_with_retry(fence, lambda error: conn.disconnect())
        return acked, _address(conn)
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)


# Replies of a Redis that is switching roles or starting: the same command works again soon.
_TRANSIENT_REPLIES = ("NOREPLICAS", "READONLY", "LOADING", "MASTERDOWN", "TRYAGAIN")


def is_transient(exc: BaseException) -> bool:
    """True for a Redis (or broker) failure that a fail-over or a restart explains."""
    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        return True
    if isinstance(exc, redis.ResponseError):
        return str(exc).startswith(_TRANSIENT_REPLIES)
    return isinstance(exc, OperationalError)


class _OneTry:
    """A client whose transaction() tries once: a failure is a lost connection, not a retry."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def transaction(self, func, *watches):
        try:
            with self.client.pipeline() as pipe:
                pipe.watch(*watches)
                func(pipe)
                return pipe.execute()
        except redis.RedisError as exc:
            raise redis.ConnectionError(f"transaction not done ({type(exc).__name__})") from exc


class SentinelMasterQoS(kombu_redis.QoS):
    """Gives a closing channel's unacknowledged messages back in one try.

    kombu retries that WATCH transaction for as long as it fails, which is forever against a
    demoted master refusing writes: the worker hung. A message not given back stays in the
    unacknowledged index until kombu's visibility timeout; publishing.tick resumes its push
    within seconds anyway, and the other tasks run again on their schedule.
    """

    def restore_by_tag(self, tag, client=None, leftmost=False):
        with self.channel.conn_or_acquire(client) as connected:
            super().restore_by_tag(tag, _OneTry(connected), leftmost)


class SentinelMasterChannel(kombu_redis.SentinelChannel):
    """kombu's Sentinel channel on MasterConnection: a worker whose broker connection meets
    NOREPLICAS (its master was demoted) asks Sentinel again instead of stopping with
    "Unrecoverable error"."""

    connection_class = MasterConnection
    QoS = SentinelMasterQoS


class SentinelMasterTransport(kombu_redis.SentinelTransport):
    Channel = SentinelMasterChannel


def celery_connection(url: str) -> dict[str, object]:
    """Celery's broker and result settings for a REDIS_URL (Sentinel URLs translated)."""
    if not url.startswith("sentinel://"):
        return {"broker_url": url, "result_backend": url}
    # Every sentinel:// URL of the broker (kombu switches between them) gets our transport.
    TRANSPORT_ALIASES["sentinel"] = f"{__name__}:{SentinelMasterTransport.__name__}"
    target = SentinelUrl.parse(url)
    # Bounded socket waits (kombu has none by default; its BRPOP polls every second): a broker
    # call stuck on a master that Sentinel replaced fails and reconnects instead of hanging.
    options = {"master_name": target.master_name, "socket_timeout": 10, "socket_connect_timeout": 2}
    return {
        "broker_url": target.celery_urls(),
        "result_backend": target.celery_urls(),
        "broker_transport_options": options,
        "result_backend_transport_options": options,
    }


def init_app(app: Flask) -> None:
    settings = app.extensions["settings"]
    app.extensions["redis"] = connect(
        settings.REDIS_URL, settings.REDIS_WAIT_REPLICAS, settings.REDIS_WAIT_MS
    )
    app.before_request(forget_servers_used)
    # Drawn covers (JPEG bytes) are shared by every process through Redis, not a local folder.
    from bot.newsletter import covers

    # A cache: a failed call costs a redraw, never a wait for retries.
    no_retry = Retry(NoBackoff(), 0)
    covers.share_cache(connect(settings.REDIS_URL, decode_responses=False, retry=no_retry))


def get_redis() -> redis.Redis:
    return current_app.extensions["redis"]
