"""``python -m app.cluster``: start, inspect and stop the local replica and Citus cluster.

    python -m app.cluster replica start [--name replica]   # hot standby of the pgrec database
    python -m app.cluster replica lag   [--name replica]
    python -m app.cluster replica stop  [--name replica] [--remove]
    python -m app.cluster citus build                      # only when citus.so is missing
    python -m app.cluster citus start   [--workers 2]
    python -m app.cluster citus status
    python -m app.cluster citus stop    [--remove]

The servers outlive the command; ``stop`` finds them again by their data folders under
``PGREC_CLUSTER_DIR`` and stops them by the pid in ``postmaster.pid``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict

from app.cluster import citus, replica


def _primary(args: argparse.Namespace) -> str:
    from app.db import database_url, with_database

    return with_database(args.primary or database_url(), "postgres")


def cmd_replica(args: argparse.Namespace) -> int:
    if args.action == "start":
        started = time.monotonic()
        standby = replica.start_replica(_primary(args), name=args.name)
        print(f"replica {standby.name} (pid {standby.pid}) in {standby.server.data_dir}, "
              f"{time.monotonic() - started:.1f} s")
        print(standby.url())
        return 0
    standby = replica.load_replica(_primary(args), name=args.name)
    if standby is None:
        print(f"no replica named {args.name} in {replica.replica_dir(args.name)}", file=sys.stderr)
        return 1
    if args.action == "lag":
        for key, value in asdict(replica.replica_lag(standby)).items():
            print(f"{key}: {value}")
    elif args.action == "stop":
        print("stopped" if replica.stop_replica(standby, remove=args.remove) else "not running")
    return 0


def cmd_citus(args: argparse.Namespace) -> int:
    if args.action == "build":
        report = citus.ensure_installed()
        print(f"built from {report.source} in {report.seconds:.0f} s (log: {report.log})" if report.built
              else f"already installed: {citus.installed_library()}")
        return 0
    if args.action == "start":
        started = time.monotonic()
        cluster = citus.start_cluster(workers=args.workers)
        print(f"coordinator + {len(cluster.workers)} workers in {cluster.base_dir}, "
              f"{time.monotonic() - started:.1f} s")
        print(cluster.url())
        return 0
    cluster = citus.load_cluster()
    if cluster is None:
        print(f"no cluster in {citus.cluster_base_dir()}", file=sys.stderr)
        return 1
    if args.action == "status":
        for node in cluster.nodes:
            print(f"{node.name}: port {node.port}, " + (f"pid {node.pid}" if node.pid else "stopped"))
        return 0 if all(cluster.pids.values()) else 1
    stopped = citus.stop_cluster(cluster, remove=args.remove)
    print(f"stopped {', '.join(stopped)}" if stopped else "not running")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("replica", help="a hot standby of the pgrec database's server")
    rep.add_argument("action", choices=["start", "lag", "stop"])
    rep.add_argument("--name", default="replica", help="folder under PGREC_CLUSTER_DIR/replicas/")
    rep.add_argument("--primary", help="libpq URL of the primary (default: DATABASE_URL or the embedded server)")
    rep.add_argument("--remove", action="store_true", help="with stop: delete the data folder")
    rep.set_defaults(func=cmd_replica)
    cit = sub.add_parser("citus", help="Citus coordinator + workers on this machine")
    cit.add_argument("action", choices=["build", "start", "status", "stop"])
    cit.add_argument("--workers", type=int, default=2)
    cit.add_argument("--remove", action="store_true", help="with stop: delete the data folders")
    cit.set_defaults(func=cmd_citus)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (citus.CitusUnavailable, RuntimeError, TimeoutError) as exc:
        print(exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
