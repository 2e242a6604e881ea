"""pgrec's scheduler process: keeps embeddings and derived data fresh beside the API.

    pgrec scheduler            # or: python -m scheduler
    pgrec scheduler --once     # run every due job once and exit (cron, CI)
    pgrec scheduler --list     # print the jobs and their cadence

Jobs and cadence come from settings (``PGREC_SCHEDULE``, see :mod:`scheduler.jobs`); how
runs are locked, checked for being due, retried and shut down is in :mod:`scheduler.runner`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from scheduler.jobs import DEFAULT_SCHEDULE, JobSpec, parse_schedule

__all__ = ["DEFAULT_SCHEDULE", "JobSpec", "add_arguments", "main", "parse_schedule", "run"]

log = logging.getLogger("pgrec.scheduler")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scheduler's options, shared by ``pgrec scheduler`` and ``python -m scheduler``."""
    parser.add_argument("--once", action="store_true", help="run every due job once, then exit")
    parser.add_argument("--list", action="store_true", help="print the jobs and their cadence, then exit")


def run(args: argparse.Namespace) -> int:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C (or once with ``--once``)."""
    from app.db import database_url
    from app.settings import get_settings
    from scheduler.runner import Runner  # APScheduler is imported only when the scheduler runs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every wake-up at INFO; our own lines say what each run did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    settings = get_settings()
    jobs = parse_schedule(settings.schedule)
    if args.list:
        for job in jobs:
            print(job)
        return 0
    runner = Runner(database_url(), settings, jobs)
    if args.once:
        outcomes = runner.run_all_once()
        for name, outcome in outcomes.items():
            print(f"{name}: {outcome}")
        return 1 if "error" in outcomes.values() else 0

    stop = threading.Event()

    def request_stop(signum: int, _frame) -> None:
        log.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    runner.start()
    log.info("scheduler running (%d jobs); SIGTERM or Ctrl-C stops it", len(runner.jobs))
    # A timed wait keeps the main thread responsive to signals on every platform.
    while not stop.wait(0.5):
        pass
    runner.shutdown()
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m scheduler``."""
    parser = argparse.ArgumentParser(prog="python -m scheduler", description="pgrec scheduler: keep derived data fresh.")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
