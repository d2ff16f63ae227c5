"""Redis with Sentinel on loopback for tests: a master, replicas and three sentinels (quorum 2).

Debian's redis-server runs every part (`--sentinel` makes it a sentinel), configured as the
README's "Deployment" says production should be: AOF on, `min-replicas-to-write 1`, and
sentinels that call a master down after a second, so that a fail-over fits a test.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from tests.support.live import Process, free_port, wait_until

MASTER_NAME = "mmsp"
REDIS_SERVER = shutil.which("redis-server") or "redis-server"
DOWN_AFTER_MS = 1000


class RedisNode:
    """One redis-server process (master or replica) with its own folder and port."""

    def __init__(
        self, folder: Path, name: str, replica_of: int | None = None, min_replicas: int = 1
    ) -> None:
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.port = free_port()
        self.replica_of = replica_of
        self.min_replicas = min_replicas
        self.process: Process | None = None

    def args(self) -> list[str]:
        args = [
            REDIS_SERVER,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)),
            *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
            *("--min-replicas-to-write", str(self.min_replicas), "--min-replicas-max-lag", "5"),
            # Redis 7 waits 5 s by default before a diskless full sync, for more replicas to join:
            # a replica moved to a new master would stall every confirmed write that long.
            *("--repl-diskless-sync-delay", "0"),
        ]
        if self.replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        return args

    def start(self) -> RedisNode:
        # After a fail-over a restarted node rejoins as Sentinel says (it rewrites no config
        # here: the sentinels turn it into a replica of the new master).
        self.process = Process(self.args(), {}, f"ha-{self.name}")
        return self

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis(port=self.port, db=db, decode_responses=True, socket_timeout=2)

    def role(self) -> str | None:
        try:
            return self.client().execute_command("ROLE")[0]
        except redis.RedisError:
            return None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


class SentinelSet:
    """A master, `replicas` replicas and three sentinels; `.url` is the bot's REDIS_URL."""

    def __init__(self, folder: Path, replicas: int = 2, db: int = 0) -> None:
        self.folder = folder
        self.db = db
        master = RedisNode(folder, "node0")
        self.nodes = [master] + [
            RedisNode(folder, f"node{i}", replica_of=master.port) for i in range(1, replicas + 1)
        ]
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.sentinels: list[Process] = []

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"sentinel://{hosts}/{self.db}?master_name={MASTER_NAME}"

    def start(self) -> SentinelSet:
        for node in self.nodes:
            node.start()
        master = self.nodes[0]
        for i, port in enumerate(self.sentinel_ports):
            conf = self.folder / f"sentinel{i}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.folder}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 2\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER_NAME} 10000\n"
                f"sentinel parallel-syncs {MASTER_NAME} 2\n"
            )
            args = [REDIS_SERVER, str(conf), "--sentinel"]
            self.sentinels.append(Process(args, {}, f"ha-sentinel{i}"))
        self.wait_settled()
        return self

    def sentinel(self, i: int = 0) -> redis.Redis:
        port = self.sentinel_ports[i]
        return redis.Redis(port=port, decode_responses=True, socket_timeout=2)

    def master_port(self) -> int:
        return int(self.sentinel().sentinel_get_master_addr_by_name(MASTER_NAME)[1])

    def master(self) -> RedisNode:
        port = self.master_port()
        return next(node for node in self.nodes if node.port == port)

    def wait_settled(self, timeout: float = 60) -> None:
        """Until every sentinel agrees on the master, knows the other two and sees every live
        replica in sync (what a fail-over needs to be possible and to lose nothing)."""
        live = sum(1 for node in self.nodes if node.process and node.process.popen.poll() is None)

        def settled() -> bool:
            try:
                masters = set()
                for i in range(3):
                    state = self.sentinel(i).sentinel_master(MASTER_NAME)
                    replicas = self.sentinel(i).sentinel_slaves(MASTER_NAME)
                    in_sync = [r for r in replicas if r.get("master-link-status") == "ok"]
                    in_sync = [r for r in in_sync if not r.get("is_sdown")]
                    if state.get("num-other-sentinels") != 2 or len(in_sync) != live - 1:
                        return False
                    if state.get("is_sdown") or state.get("is_odown"):
                        return False
                    masters.add(state["port"])
                return len(masters) == 1 and self.master().role() == "master"
            except (redis.RedisError, StopIteration, KeyError):
                return False

        wait_until(settled, timeout, 0.2, "the sentinels to agree on a master and its replicas")

    def failover(self) -> float:
        """SENTINEL FAILOVER, as staff would start one; returns when it was asked."""
        self.sentinel().execute_command("SENTINEL", "FAILOVER", MASTER_NAME)
        return time.monotonic()

    def stop(self) -> None:
        for proc in self.sentinels:
            proc.stop()
        for node in self.nodes:
            node.stop()


def running(folder: Path) -> Iterator[SentinelSet]:
    """A started SentinelSet, stopped afterwards (the body of a test module's fixture)."""
    cluster = SentinelSet(folder, replicas=2)
    try:
        yield cluster.start()
    finally:
        cluster.stop()
