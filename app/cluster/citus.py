"""Citus, built from source against the embedded PostgreSQL, and a local cluster to run it.

Citus is in no package registry these machines reach, so it is built from its unmodified
source tarball (``PGREC_CITUS_SOURCE``, else ``shared/vendor/citus-*.tar.gz`` in a parent
folder of the checkout) with the recipe of ``shared/vendor/README.md``, and installed into the
embedded PostgreSQL. The build is skipped when that PostgreSQL already has ``citus.so``.

``start_cluster()`` then runs a coordinator and workers on this machine, one data folder and
port each, every node with ``shared_preload_libraries = 'citus'`` and the extension created,
the workers registered on the coordinator. Nodes listen on 127.0.0.1 and trust local
connections: a development and test set-up, not a deployment.
"""

from __future__ import annotations

import json
import re
import shutil
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from app import ROOT
from app.cluster import servers
from app.settings import get_settings


class CitusUnavailable(RuntimeError):
    """Citus is neither installed nor buildable here; ``str()`` is a "skipped: …" reason."""


# --- the extension ------------------------------------------------------------------------

def pg_config(option: str) -> str:
    return servers.run([servers.bin_dir() / "pg_config", option], as_server_user=False).strip()


def installed_library() -> Path:
    """Where the embedded PostgreSQL looks for ``citus.so``."""
    return Path(pg_config("--pkglibdir")) / "citus.so"


def is_installed() -> bool:
    """True when the embedded PostgreSQL can load Citus and create the extension."""
    control = Path(pg_config("--sharedir")) / "extension" / "citus.control"
    return installed_library().exists() and control.exists()


def find_source(search_parents: bool = True) -> Path | None:
    """The Citus source tarball: ``PGREC_CITUS_SOURCE``, else (``search_parents``) the newest
    ``shared/vendor/citus-*.tar.gz`` in the checkout's parent folders, else None."""
    configured = get_settings().citus_source
    if configured is not None:
        if not configured.is_file():
            raise CitusUnavailable(f"skipped: PGREC_CITUS_SOURCE={configured} is not a file")
        return configured
    if search_parents:
        for folder in ROOT.parents:
            found = sorted((folder / "shared" / "vendor").glob("citus-*.tar.gz"), key=_version_key)
            if found:
                return found[-1]
    return None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path.name))


def unavailable_reason(search_parents: bool = True) -> str | None:
    """None when Citus is installed or can be built; else a "skipped: …" reason saying what to do."""
    if is_installed():
        return None
    try:
        if find_source(search_parents) is not None:
            return None
    except CitusUnavailable as exc:
        return str(exc)
    nearby = None if search_parents else find_source(search_parents=True)
    if nearby is not None:
        hint = f"PGREC_CITUS_SOURCE={nearby} builds it (~30-50 s on 2 cores, once), as .ci/run does"
    else:
        hint = ("set PGREC_CITUS_SOURCE to a citus-*.tar.gz (.ci/run points it at shared/vendor/ beside "
                "the checkout)")
    return f"skipped: Citus is not installed in the embedded PostgreSQL ({installed_library()}); {hint}"


@dataclass(frozen=True)
class BuildReport:
    built: bool
    seconds: float
    source: Path | None
    log: Path | None


def ensure_installed(search_parents: bool = True, jobs: int = 2) -> BuildReport:
    """Install Citus into the embedded PostgreSQL unless it is there; raise CitusUnavailable.

    The build runs in ``<cluster_dir>/build/`` (git-ignored), from a copy of the tarball, as the
    current user (it writes into the virtualenv's PostgreSQL); its output goes to ``build.log``.
    """
    if is_installed():
        return BuildReport(built=False, seconds=0.0, source=None, log=None)
    source = find_source(search_parents)
    if source is None:
        raise CitusUnavailable(unavailable_reason(search_parents) or "skipped: no Citus source")
    started = time.monotonic()
    build_root = servers.cluster_dir() / "build"
    shutil.rmtree(build_root, ignore_errors=True)
    build_root.mkdir(parents=True)
    log = servers.cluster_dir() / "citus-build.log"
    with tarfile.open(source) as archive:
        archive.extractall(build_root, filter="data")
    (tree,) = [p for p in build_root.iterdir() if (p / "configure").exists()]
    pgc = servers.bin_dir() / "pg_config"
    # pg_config's CFLAGS carry a clang-only warning flag (-Wmissing-variable-declarations) that
    # gcc rejects; the rest must stay so the module matches the server's ABI and warnings.
    cflags = "CFLAGS=" + pg_config("--cflags").replace("-Wmissing-variable-declarations", "")
    # Compression (lz4, zstd) and usage statistics (libcurl) are optional and need system headers.
    steps = [
        ["./configure", f"PG_CONFIG={pgc}", "--without-libcurl", "--without-lz4", "--without-zstd"],
        ["make", f"-j{jobs}", cflags],
        ["make", "install", cflags],
    ]
    with log.open("w") as out:
        for step in steps:
            out.write(f"$ {' '.join(step)}\n")
            out.flush()
            try:
                out.write(servers.run(step, as_server_user=False, cwd=tree, timeout=1800))
            except RuntimeError as exc:
                out.write(str(exc))
                raise RuntimeError(f"building Citus from {source} failed at `{step[0]} {step[1]}`; see {log}") from None
    shutil.rmtree(build_root, ignore_errors=True)
    if not is_installed():
        raise RuntimeError(f"Citus built from {source} but {installed_library()} is missing; see {log}")
    return BuildReport(built=True, seconds=time.monotonic() - started, source=source, log=log)


# --- the cluster --------------------------------------------------------------------------

@dataclass(frozen=True)
class CitusCluster:
    """A coordinator and its workers on 127.0.0.1; ``url()`` is where clients connect."""

    base_dir: Path
    dbname: str
    coordinator: servers.LocalServer
    workers: tuple[servers.LocalServer, ...] = field(default_factory=tuple)

    @property
    def nodes(self) -> tuple[servers.LocalServer, ...]:
        return (self.coordinator, *self.workers)

    def url(self) -> str:
        return self.coordinator.url(self.dbname)

    @property
    def pids(self) -> dict[str, int | None]:
        return {node.name: node.pid for node in self.nodes}


def cluster_base_dir() -> Path:
    return servers.cluster_dir() / "citus"


def _layout_file(base_dir: Path) -> Path:
    return base_dir / "cluster.json"


def load_cluster(base_dir: Path | None = None) -> CitusCluster | None:
    """The cluster whose data folders are in ``base_dir``, running or not; None if never created."""
    base_dir = (base_dir or cluster_base_dir()).resolve()
    try:
        layout = json.loads(_layout_file(base_dir).read_text())
    except FileNotFoundError:
        return None
    nodes = [servers.LocalServer(n["name"], base_dir / n["name"], n["port"]) for n in layout["nodes"]]
    return CitusCluster(base_dir, layout["dbname"], nodes[0], tuple(nodes[1:]))


def start_cluster(base_dir: Path | None = None, workers: int = 2, dbname: str = "postgres",
                  search_parents: bool = True) -> CitusCluster:
    """A running coordinator + ``workers`` in ``base_dir``: created on first use (Citus built if
    needed), restarted from the same folders and ports afterwards. On failure nothing is left
    running."""
    base_dir = (base_dir or cluster_base_dir()).resolve()
    cluster = load_cluster(base_dir)
    if cluster is None:
        ensure_installed(search_parents)
        cluster = _create(base_dir, workers, dbname)
    try:
        for node in cluster.nodes:
            servers.start(node)
        _register(cluster)
    except BaseException:
        stop_cluster(cluster)
        raise
    return cluster


def _create(base_dir: Path, workers: int, dbname: str) -> CitusCluster:
    if base_dir.exists():  # folders of a creation that failed half-way
        shutil.rmtree(base_dir)
    base_dir.mkdir(parents=True)
    names = ["coordinator"] + [f"worker{i}" for i in range(1, workers + 1)]
    nodes = []
    for name in names:
        node = servers.LocalServer(name, base_dir / name, servers.free_port())
        servers.init_data_dir(node.data_dir)
        servers.write_settings(node.data_dir, {
            "port": node.port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": servers.socket_dir(node.data_dir, node.port),
            "shared_preload_libraries": "citus",
            # Shard moves (citus_rebalance_start after adding a worker) use logical replication.
            "wal_level": "logical",
            # Three servers share a small machine with the embedded one.
            "shared_buffers": "128MB",
            "max_connections": 200,
        })
        nodes.append(node)
    # The layout is written last: its presence means every folder was initialised.
    _layout_file(base_dir).write_text(json.dumps(
        {"dbname": dbname, "nodes": [{"name": n.name, "port": n.port} for n in nodes]}, indent=2))
    return CitusCluster(base_dir, dbname, nodes[0], tuple(nodes[1:]))


def _register(cluster: CitusCluster) -> None:
    """Create the database and extension on every node and the workers on the coordinator
    (idempotent: a restarted cluster already has them)."""
    for node in cluster.nodes:
        with psycopg.connect(node.url(), autocommit=True) as conn:
            if not conn.execute("SELECT EXISTS (SELECT FROM pg_database WHERE datname = %s)",
                                (cluster.dbname,)).fetchone()[0]:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(cluster.dbname)))
        with psycopg.connect(node.url(cluster.dbname), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        conn.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", (cluster.coordinator.port,))
        known = {port for (port,) in conn.execute("SELECT nodeport FROM pg_dist_node").fetchall()}
        for worker in cluster.workers:
            if worker.port not in known:
                conn.execute("SELECT citus_add_node('127.0.0.1', %s)", (worker.port,))


def stop_cluster(cluster: CitusCluster, remove: bool = False) -> list[str]:
    """Stop every node by its pid, all at once; return the names that were running.
    ``remove`` deletes the data folders too."""
    running = {node.name: node.pid for node in cluster.nodes}
    running = {name: pid for name, pid in running.items() if pid is not None}
    try:
        servers.stop_pids(list(running.values()))
    finally:
        if remove:
            shutil.rmtree(cluster.base_dir, ignore_errors=True)
    return list(running)
