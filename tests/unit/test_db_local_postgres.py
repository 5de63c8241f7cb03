"""The throwaway PostgreSQL the tests (and the local cluster) run: never as root, and
never left behind, even by a test run that was killed outright."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from db.local_postgres import LocalPostgres, reap_orphans

ROOT = Path(__file__).resolve().parents[2]

_KILLED_RUN = """
import os
from db.local_postgres import start
server = start()
print(server.folder, server.process.pid, flush=True)
os.kill(os.getpid(), 9)  # like a test run killed with kill -9: no clean-up at all
"""


def test_the_server_runs_as_an_ordinary_user_on_loopback(postgres_server: LocalPostgres) -> None:
    owner = os.stat(f"/proc/{postgres_server.process.pid}").st_uid
    assert owner != 0  # PostgreSQL refuses root; as root we run it as `nobody`
    assert postgres_server.url().startswith("postgresql://postgres:")
    assert f"@127.0.0.1:{postgres_server.port}/" in postgres_server.url()


def test_a_killed_run_leaves_a_server_that_the_next_run_stops_and_deletes() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    folder, pid = result.stdout.split()
    assert Path(folder).is_dir()
    assert str(folder) in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")

    assert Path(folder) in reap_orphans()

    assert not Path(folder).exists()
    assert stops(int(pid), folder)


def stops(pid: int, folder: str) -> bool:
    """Whether the server process ends (or is a zombie: an empty command line) within
    10 s of being told to quit immediately."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    for _ in range(1000):
        try:
            if folder not in cmdline.read_text(errors="replace"):
                return True
        except OSError:
            return True
        time.sleep(0.01)
    return False
