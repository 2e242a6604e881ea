"""A hot standby of a running PostgreSQL on this machine, by streaming replication.

``start_replica(primary_url)`` clones the primary with ``pg_basebackup -R`` (which writes
``standby.signal`` and ``primary_conninfo``), gives the copy its own port and starts it with
``hot_standby = on``. The standby streams WAL from the primary for as long as both run; it is
read-only, so every write on it fails with SQLSTATE 25006 (read_only_sql_transaction).

No replication slot is created: a slot left behind by a replica that is never started again
would make the primary keep WAL until its disk fills. A replica stopped for long may therefore
find the WAL it needs recycled; remove its folder and start it again.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from app.cluster import servers


@dataclass(frozen=True)
class Replica:
    """A running (or stopped) standby: its server and the primary it follows."""

    name: str
    primary_url: str
    server: servers.LocalServer

    def url(self, dbname: str = "postgres") -> str:
        """libpq URL of ``dbname`` on the standby (every database of the primary is there)."""
        return self.server.url(dbname)

    @property
    def pid(self) -> int | None:
        return self.server.pid


@dataclass(frozen=True)
class ReplicaLag:
    """How far a standby is behind its primary.

    ``replay_delay_seconds`` is ``now() - pg_last_xact_replay_timestamp()`` on the standby: the
    age of the last transaction it replayed. On an idle primary it grows although nothing is
    missing, so read it with ``behind_bytes``, the WAL the primary has written that the standby
    has not replayed (from ``pg_stat_replication``; None when the primary does not list it).
    """

    streaming: bool
    behind_bytes: int | None
    replay_delay_seconds: float | None
    primary_replay_lag_seconds: float | None
    """``pg_stat_replication.replay_lag``: commit-to-replay time of the latest WAL it measured."""


def replica_dir(name: str) -> Path:
    return (servers.cluster_dir() / "replicas" / name).resolve()


def prepare_primary(primary_url: str) -> None:
    """Check that ``primary_url`` accepts a streaming standby; add the pg_hba rule if missing.

    ``wal_level`` and ``max_wal_senders`` need a restart to change, so a wrong value is set
    with ALTER SYSTEM and reported; the pg_hba rule only needs a reload, so it is added.
    """
    with psycopg.connect(primary_url, autocommit=True) as conn:
        wal_level = conn.execute("SHOW wal_level").fetchone()[0]
        senders = int(conn.execute("SHOW max_wal_senders").fetchone()[0])
        in_use = conn.execute("SELECT count(*) FROM pg_stat_replication").fetchone()[0]
        if wal_level == "minimal" or senders - in_use < 2:
            # pg_basebackup -X stream holds two senders while it copies; the standby then one.
            conn.execute("ALTER SYSTEM SET wal_level = 'replica'")
            conn.execute(f"ALTER SYSTEM SET max_wal_senders = {max(10, in_use + 4)}")
            raise RuntimeError(f"the primary runs with wal_level={wal_level}, max_wal_senders={senders} "
                               f"({in_use} in use): set to replica/{max(10, in_use + 4)} with ALTER SYSTEM; "
                               "restart the primary, then start the replica again")
        if _has_replication_rule(conn, primary_url):
            return
        hba_file = Path(conn.execute("SHOW hba_file").fetchone()[0])
        local = _connection_type(primary_url) == "local"
        # Replication gets the authentication the server already applies to ordinary connections
        # of the same kind, so adding the rule does not open the server any wider.
        method = conn.execute(
            "SELECT auth_method FROM pg_hba_file_rules WHERE error IS NULL AND 'all' = ANY(database)"
            " AND type = ANY(%s) ORDER BY rule_number LIMIT 1",
            (["local"] if local else ["host", "hostssl"],)).fetchone()
        if method is None or not hba_file.exists():
            raise RuntimeError(f"the primary's pg_hba.conf ({hba_file}) allows no replication connection: "
                               "add e.g. 'local replication all peer' or a 'host replication …' line and reload")
        rule = (f"local replication all {method[0]}" if local
                else f"host replication all 127.0.0.1/32 {method[0]}\nhost replication all ::1/128 {method[0]}")
        with hba_file.open("a") as f:
            f.write(f"\n# added by pgrec's replica harness (app/cluster/replica.py)\n{rule}\n")
        conn.execute("SELECT pg_reload_conf()")


def _connection_type(url: str) -> str:
    host = str(psycopg.conninfo.conninfo_to_dict(url).get("host") or "")
    return "local" if host == "" or host.startswith("/") else "host"


def _has_replication_rule(conn: psycopg.Connection, url: str) -> bool:
    types = ["local"] if _connection_type(url) == "local" else ["host", "hostssl", "hostnossl"]
    return conn.execute(
        "SELECT EXISTS (SELECT FROM pg_hba_file_rules WHERE error IS NULL AND type = ANY(%s)"
        " AND 'replication' = ANY(database))",  # 'all' does not cover replication connections
        (types,)).fetchone()[0]


def load_replica(primary_url: str, name: str = "replica") -> Replica | None:
    """The standby ``name`` of ``primary_url`` if its folder exists, running or not."""
    data_dir = replica_dir(name)
    if not (data_dir / "PG_VERSION").exists():
        return None
    return Replica(name, primary_url, servers.LocalServer(name, data_dir, servers.read_port(data_dir)))


def start_replica(primary_url: str, name: str = "replica", port: int | None = None) -> Replica:
    """A running hot standby of ``primary_url``, cloned on first use, reused afterwards.

    The standby listens on 127.0.0.1:``port`` (a free one by default) and names itself ``name``
    to the primary (``cluster_name``, the ``application_name`` in ``pg_stat_replication``).
    """
    existing = load_replica(primary_url, name)
    if existing is not None:
        servers.start(existing.server)
        return existing
    data_dir = replica_dir(name)
    prepare_primary(primary_url)
    _check_same_major(primary_url)
    if data_dir.exists():  # a clone that failed half-way
        shutil.rmtree(data_dir)
    servers.own_dir(data_dir)
    try:
        # --checkpoint=fast: the copy starts at once instead of after a spread checkpoint.
        servers.run([servers.bin_dir() / "pg_basebackup", "--pgdata", data_dir, "--write-recovery-conf",
                     "--wal-method=stream", "--checkpoint=fast", "--dbname", primary_url])
        port = port or servers.free_port()
        servers.write_settings(data_dir, {
            "port": port,
            "listen_addresses": "127.0.0.1",
            # A Unix socket in the data folder: no shared /tmp socket directory is needed.
            "unix_socket_directories": servers.socket_dir(data_dir, port),
            "hot_standby": "on",
            "cluster_name": name,
            # Queries on the standby delay replay at most this long before being cancelled.
            "max_standby_streaming_delay": "30s",
        })
        replica = Replica(name, primary_url, servers.LocalServer(name, data_dir, port))
        servers.start(replica.server)
    except BaseException:
        stop_replica_dir(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
        raise
    return replica


def _check_same_major(primary_url: str) -> None:
    # A standby replays the primary's WAL byte for byte: it must be the same major version.
    ours = servers.run([servers.bin_dir() / "pg_config", "--version"], as_server_user=False).split()[1]
    with psycopg.connect(primary_url) as conn:
        theirs = conn.execute("SHOW server_version").fetchone()[0]
    if ours.split(".")[0] != theirs.split(".")[0]:
        raise RuntimeError(f"the primary runs PostgreSQL {theirs}; the embedded binaries are {ours}: "
                           "a standby needs the same major version")


def stop_replica(replica: Replica, remove: bool = False) -> bool:
    """Stop the standby by its pid (False if it was not running); ``remove`` deletes its folder."""
    stopped = servers.stop(replica.server)
    if remove:
        shutil.rmtree(replica.server.data_dir, ignore_errors=True)
    return stopped


def stop_replica_dir(data_dir: Path) -> bool:
    pid = servers.postmaster_pid(data_dir)
    if pid is None:
        return False
    servers.stop_pid(pid)
    return True


def replica_lag(replica: Replica) -> ReplicaLag:
    """The standby's lag as both sides see it."""
    with psycopg.connect(replica.url(), autocommit=True) as conn:
        streaming, delay, replayed = conn.execute(
            "SELECT EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming'),"
            " extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,"
            " pg_last_wal_replay_lsn()::text").fetchone()
    with psycopg.connect(replica.primary_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
            " extract(epoch FROM replay_lag)::float8"
            " FROM pg_stat_replication WHERE application_name = %s ORDER BY backend_start DESC LIMIT 1",
            (replica.name,)).fetchone()
        if row is None and replayed is not None:
            # The primary has not listed the sender yet; fall back to the standby's own position.
            row = (conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)::bigint",
                                (replayed,)).fetchone()[0], None)
    behind, lag = row if row is not None else (None, None)
    return ReplicaLag(streaming=streaming, behind_bytes=None if behind is None else max(0, behind),
                      replay_delay_seconds=delay, primary_replay_lag_seconds=lag)


def wait_for_catch_up(replica: Replica, timeout: float = 30) -> ReplicaLag:
    """Wait until the standby has replayed everything the primary had written when called."""
    with psycopg.connect(replica.primary_url, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica.url(), autocommit=True) as conn:
        while True:
            done = conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]
            if done:
                return replica_lag(replica)
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica {replica.name} did not replay up to {target} within {timeout} s")
            time.sleep(0.05)
