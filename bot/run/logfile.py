"""The log file of one child of `mmsp-bot run`: appended to, rotated by size, private to us.

A restart appends below the last run's lines (a crash's evidence stays); when the file passes
MAX_BYTES it becomes NAME.log.1 (the older ones shift up to BACKUPS) and a new one starts.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5
# What a run keeps in memory of a child's output: the start (where readiness lines appear) and
# the latest lines (the last line names why a child died).
HEAD_BYTES = 512 * 1024
TAIL_BYTES = 64 * 1024


def open_private(path: Path) -> int:
    """Open for appending, created with mode 0600; an older file's mode is tightened too."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)
    return fd


class RotatingLog:
    """Appends bytes to a file and rotates it by size; safe to call from one pump thread."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        self.fd = open_private(path)
        self.size = os.fstat(self.fd).st_size

    def write(self, data: bytes) -> None:
        if self.size and self.size + len(data) > self.max_bytes:
            self.rotate()
        os.write(self.fd, data)
        self.size += len(data)

    def rotate(self) -> None:
        os.close(self.fd)
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self.fd = open_private(self.path)
        self.size = 0

    def close(self) -> None:
        os.close(self.fd)


class OutputPump:
    """Copies a child's output (a pipe) into its RotatingLog and keeps this run's part of it."""

    def __init__(self, pipe_fd: int, log: RotatingLog):
        self.pipe_fd = pipe_fd
        self.log = log
        self.head = bytearray()
        self.tail = bytearray()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"log {log.path.name}", daemon=True)

    def start(self) -> OutputPump:
        self.thread.start()
        return self

    def _run(self) -> None:
        try:
            while chunk := os.read(self.pipe_fd, 65536):
                self.log.write(chunk)
                with self.lock:
                    room = HEAD_BYTES - len(self.head)
                    if room > 0:
                        self.head += chunk[:room]
                    self.tail += chunk
                    del self.tail[:-TAIL_BYTES]
        finally:
            os.close(self.pipe_fd)
            self.log.close()

    def text(self) -> str:
        """This run's output: all of it while short, else its start and its latest part."""
        with self.lock:
            if len(self.head) < HEAD_BYTES:
                return self.head.decode(errors="replace")
            return (self.head + b"\n...\n" + self.tail).decode(errors="replace")

    def wait(self, timeout: float) -> None:
        self.thread.join(timeout)
