"""The logs of `mmsp-bot run`'s children: appended across starts, rotated by size, private."""

from __future__ import annotations

import stat
import sys

from bot.run.logfile import RotatingLog
from bot.run.supervisor import Child
from tests.support.live import wait_until


def test_a_log_past_its_size_moves_to_dot_one_and_older_ones_shift_up(tmp_path):
    path = tmp_path / "logs" / "web.log"
    log = RotatingLog(path, max_bytes=100, backups=2)
    for n in range(7):
        log.write(f"line {n} ".encode() + b"x" * 40 + b"\n")  # 48 bytes: two fit in a file
    log.close()
    assert path.read_text().startswith("line 6")
    assert (tmp_path / "logs" / "web.log.1").read_text().startswith("line 4")
    assert (tmp_path / "logs" / "web.log.2").read_text().startswith("line 2")
    assert not (tmp_path / "logs" / "web.log.3").exists(), "only `backups` old files are kept"
    for file in (tmp_path / "logs").iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "logs").stat().st_mode) == 0o700


def test_a_child_appends_below_the_last_run_and_knows_its_own_lines(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "probe.log").write_text("the last run crashed here\n")
    (logs / "probe.log").chmod(0o644)
    child = Child("probe", [sys.executable, "-c", "print('started again')"], None, logs)
    child.start()
    wait_until(lambda: "started again" in child.log_text(), 30, 0.05, "the child's line")
    assert child.last_line() == "started again"
    assert "crashed" not in child.log_text()
    assert (logs / "probe.log").read_text() == "the last run crashed here\nstarted again\n"
    assert stat.S_IMODE((logs / "probe.log").stat().st_mode) == 0o600
