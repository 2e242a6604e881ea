"""pgrec's scheduler process: runs the refresh steps that are due, beside the API.

    pgrec scheduler            # or: python -m scheduler
    pgrec scheduler --once     # run every due step once and exit (cron, CI)
    pgrec scheduler --list     # print the schedule (pgrec.refresh_steps) and exit

The schedule is rows of ``pgrec.refresh_steps`` (cadence, new-event trigger, dependencies),
changed with SQL; how due steps are run, locked and shut down is in :mod:`scheduler.runner`.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

__all__ = ["add_arguments", "main", "run"]

log = logging.getLogger("pgrec.scheduler")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scheduler's options, shared by ``pgrec scheduler`` and ``python -m scheduler``."""
    parser.add_argument("--once", action="store_true", help="run every due step once, then exit")
    parser.add_argument("--list", action="store_true", help="print the schedule, then exit")


def run(args: argparse.Namespace) -> int:
    """Run the scheduler in the foreground until SIGTERM or Ctrl-C (or once with ``--once``)."""
    from app.db import connect, database_url
    from app.settings import get_settings
    from scheduler.runner import Scheduler  # APScheduler is imported only when the scheduler runs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every wake-up at INFO; our own lines say what each run did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    url = database_url()
    if args.list:
        with connect(url) as conn:
            for step, runner, every, enabled, last_ok in conn.execute(
                    "SELECT step, runner, every::text, enabled, last_ok_at FROM rec.refresh_status()"):
                state = "" if enabled else " (disabled)"
                print(f"{step}: {runner}, every {every}{state}, last ok {last_ok or 'never'}")
        return 0
    runner = Scheduler(url, get_settings())
    if args.once:
        outcomes = runner.run_due_once()
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
