"""`make test`: the whole suite as two pytest sessions side by side, one per core.

Most tests wait on PostgreSQL half the time and on Python the other half, so one session keeps
about one core busy; two sessions, each with its own embedded server (PGREC_TEST_DATA_DIR),
finish in a little more than half the time on the 2-core machines CI runs on. Against one
external server (DATABASE_URL) the sessions would share roles and database names, so there it
is one session. The suite is split by file — a module's fixtures (a
demo world, a Citus cluster) are built once — longest first onto the session with less work,
using the seconds below (measured on such a machine; a file not listed counts as a few
seconds). A wrong guess costs time, never a result. Each session's report is printed when
both have finished; the exit code is non-zero when either failed.

Arguments are passed to both sessions (``python -m tests.run_suite -x``). To run some tests
alone, call pytest directly: ``.venv/bin/python -m pytest tests/test_feed.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = 2

# Seconds per file on a 2-core machine running both sessions (the slowest files; see the module
# docstring; the Citus cluster's includes building Citus, ~50 s, in a new virtualenv).
# Everything else: UNLISTED.
SECONDS = {
    "test_readme.py": 196, "test_citus_cluster.py": 105, "test_http_fuzz.py": 80, "test_browser.py": 64,
    "test_faults.py": 59, "test_tuning.py": 49, "test_client_docs.py": 27, "test_host_app.py": 23,
    "test_experiments.py": 20, "test_up.py": 19, "test_client.py": 17, "test_content_filter.py": 13,
    "test_feed_pools.py": 12, "test_replica.py": 11, "test_demo_worlds.py": 10, "test_scheduler.py": 9,
    "test_bad_input.py": 9, "test_app_explore.py": 9, "test_follows.py": 9, "test_http_search_outage.py": 9,
    "test_evaluation.py": 8, "test_cli.py": 8, "test_app_marketplace.py": 8,
}
UNLISTED = 4


def split(files: list[Path], count: int) -> list[list[Path]]:
    """Longest first, each onto the session with the fewest seconds so far."""
    sessions: list[list[Path]] = [[] for _ in range(count)]
    load = [0.0] * count
    for path in sorted(files, key=lambda p: (-SECONDS.get(p.name, UNLISTED), p.name)):
        least = load.index(min(load))
        sessions[least].append(path)
        load[least] += SECONDS.get(path.name, UNLISTED)
    return sessions


def main(args: list[str]) -> int:
    files = sorted((ROOT / "tests").glob("test_*.py"))
    sessions = split(files, 1 if os.environ.get("DATABASE_URL") else SESSIONS)
    data_dir = Path(os.environ.get("PGREC_TEST_DATA_DIR", ROOT / ".pgdata-test"))
    started = time.monotonic()
    running = []
    for n, session in enumerate(sessions, start=1):
        log = ROOT / ".pytest_cache" / f"session-{n}.log"
        log.parent.mkdir(exist_ok=True)
        env = os.environ | {"PGREC_TEST_DATA_DIR": str(data_dir if n == 1 else data_dir.with_name(f"{data_dir.name}-{n}"))}
        # Each its own temporary folder (pytest's numbered ones are shared and pruned), short
        # enough for the Unix sockets of servers the tests start there.
        basetemp = Path(tempfile.gettempdir()) / f"pgrec-tests-{os.getuid()}-{n}"
        command = [sys.executable, "-m", "pytest", "-q", f"--basetemp={basetemp}",
                   *args, *(str(p.relative_to(ROOT)) for p in session)]
        print(f"session {n}: {len(session)} files ({', '.join(p.name for p in session[:3])}, ...)", flush=True)
        running.append((n, log, subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                                                 stderr=subprocess.STDOUT)))
    codes = {}
    for n, log, proc in running:
        codes[n] = proc.wait()
        print(f"\n===== session {n}: exit {codes[n]} after {time.monotonic() - started:.0f} s =====", flush=True)
        print(log.read_text(), flush=True)
    print(f"whole suite: {time.monotonic() - started:.0f} s; " +
          ", ".join(f"session {n} exit {code}" for n, code in codes.items()))
    return 0 if all(code == 0 for code in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
