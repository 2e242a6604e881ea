"""The ``pgrec`` command line: database, migrations, demo data, feeds, refresh, and serving.

Each subcommand is a small function registered in ``build_parser``; they all talk to the
database through the ``rec`` SQL functions, like any other client.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

import psycopg
from rich.console import Console
from rich.table import Table

from app import db
from app.settings import get_settings

console = Console()
err = Console(stderr=True)


# --- database -------------------------------------------------------------------------------

def cmd_db(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.database_url and args.action in {"start", "stop"}:
        err.print("DATABASE_URL is set: pgrec uses that server and does not manage it.")
        return 2
    if args.action == "start":
        url = db.start_embedded(settings.data_dir)
        console.print(f"embedded PostgreSQL running in {settings.data_dir}")
        console.print(url)
    elif args.action == "stop":
        stopped = db.stop_embedded(settings.data_dir)
        console.print("stopped" if stopped else "not running")
    elif args.action == "status":
        if settings.database_url:
            try:
                with db.connect(settings.database_url) as conn:
                    version = conn.execute("SHOW server_version").fetchone()[0]
                console.print(f"external database reachable (PostgreSQL {version})")
            except psycopg.OperationalError as exc:
                console.print(connection_problem(exc) or f"external database unreachable: {exc}",
                              soft_wrap=True, highlight=False)
                return 1
        else:
            running = db.embedded_running(settings.data_dir)
            console.print(f"embedded PostgreSQL in {settings.data_dir}: {'running' if running else 'stopped'}")
            return 0 if running else 1
    elif args.action == "url":
        print(db.database_url())
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.schema import migrate

    migrate(db.database_url(), args.revision)
    console.print(f"pgrec migrated to {args.revision}")
    return 0


# --- data -----------------------------------------------------------------------------------

def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import APP_SIZES, APPS, PRESETS, DemoSize, world_size
    from app.loader import database_is_empty, load_demo

    settings = get_settings()
    app = args.app or "generic"
    if app not in ("generic", *APPS):
        err.print(f"unknown --app {app!r}: choose generic, {', '.join(APPS)}")
        return 2
    if args.preset and args.preset not in PRESETS:
        err.print(f"unknown --preset {args.preset!r}: choose {', '.join(PRESETS)}")
        return 2
    if args.preset and app != "generic":
        err.print("--preset sets the generic world's realism knobs; an application world has its own behaviour")
        return 2
    # An application world has a size of its own; the generic demo's comes from the settings.
    base = APP_SIZES[app] if app in APPS else DemoSize(items=settings.demo_items, users=settings.demo_users,
                                                       events=settings.demo_events)
    try:
        size = world_size(args.preset or app, base, items=args.items, users=args.users, events=args.events,
                          seed=args.seed, **world_knobs(args))
    except ValueError as exc:
        err.print(str(exc))
        return 2
    with db.connect() as conn:
        if args.if_empty and not database_is_empty(conn):
            console.print("database already has items; demo data not loaded")
            return 0
    load_demo(db.database_url(), size, console=console, app=app)
    return 0


def world_knobs(args: argparse.Namespace) -> dict:
    """The realism options given on the command line (``None`` = not given)."""
    return {name: getattr(args, name, None) for name in ("days", "churn", "long_tail", "disliked", "event_mix")}


def add_world_options(p: argparse.ArgumentParser) -> None:
    """Realism knobs of the synthetic worlds (``pgrec demo`` and ``pgrec evaluate``)."""
    g = p.add_argument_group("realism of synthetic data (default: the world's own)")
    g.add_argument("--days", type=int, help="years of history are fine: up to 3650 days")
    g.add_argument("--churn", type=float, help="share of users who stop at a random moment (0..0.9)")
    g.add_argument("--long-tail", type=float, help="share of items that draw almost no attention (0..0.9)")
    g.add_argument("--disliked", type=float, help="share of events on items the user dislikes (0..0.5)")
    g.add_argument("--event-mix", help="generic world only: funnel (every type), ratings (0.5..5 stars), implicit")


def cmd_refresh(args: argparse.Namespace) -> int:
    """Every refresh step (or one), SQL and Python alike: what the scheduler runs when due."""
    from app.refresh import refresh

    with db.connect() as conn:
        runs = refresh(conn, args.what)
    table = Table("step", "outcome", "rows", "seconds", "detail")
    for run in runs:
        table.add_row(run.step, run.outcome, "" if run.rows is None else str(run.rows), f"{run.seconds:.3f}",
                      run.detail or "")
    console.print(table)
    return 0 if all(run.outcome != "error" for run in runs) else 1


def cmd_tune(args: argparse.Namespace) -> int:
    """Fit the installation's blend by replaying its own events: the refresh step tune (weekly
    in the schedule), run now, with its progress on the terminal."""
    import logging

    from app.refresh import run_step

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    tune_log = logging.getLogger("pgrec.tune")
    tune_log.addHandler(handler)
    tune_log.setLevel(logging.INFO)
    with db.connect() as conn:
        run = run_step(conn, "tune", "python")
        tuned = conn.execute("SELECT name, weights, parameters FROM rec.strategies() "
                             "WHERE name IN ('tuned', 'tuned_cold') ORDER BY name").fetchall()
    if run.outcome != "ok":
        console.print(f"[red]tune {run.outcome}[/red]: {run.detail}")
        return 1
    if tuned and run.rows:
        table = Table("strategy", "weights", title="fitted blend", title_justify="left")
        for name, weights, _ in tuned:
            table.add_row(name, ", ".join(f"{k} {v:.2f}" for k, v in sorted(weights.items(), key=lambda x: -x[1])))
        console.print(table)
    console.print(run.detail)
    return 0


def cmd_feed(args: argparse.Namespace) -> int:
    """The feed as a table that fits the terminal: the largest score terms one per line and the
    reasons wrapped, instead of one column per signal."""
    with db.connect() as conn:
        rows = conn.execute(
            "SELECT item_id, score, reasons FROM rec.feed(%s, %s, %s, %s)",
            (args.user, args.n, args.offset, args.strategy),
        ).fetchall()
    if args.json:
        print(json.dumps([{"item_id": i, "score": s, "reasons": r} for i, s, r in rows], indent=2))
        return 0
    table = Table(title=f"feed for {args.user} (strategy {args.strategy or 'the installation default'})", title_justify="left",
                  show_lines=True, expand=False, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("item", overflow="fold", max_width=16)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("largest terms", no_wrap=True)
    table.add_column("why", ratio=1, overflow="fold", min_width=20)
    for rank, (item, score, reasons) in enumerate(rows, start=args.offset + 1):
        terms = sorted((reasons.get("terms") or {}).items(), key=lambda t: -abs(t[1]))
        shown = [f"{name} {value:+.3f}" if value < 0 else f"{name} {value:.3f}" for name, value in terms[:args.terms]]
        table.add_row(str(rank), item, f"{score:.3f}", "\n".join(shown), "; ".join(reasons.get("reasons", [])))
    console.print(table)
    if not rows:
        console.print(f"no items for {args.user}: is the catalogue empty? (`pgrec demo` loads demo data)")
    return 0


# --- embeddings and the scheduler ---------------------------------------------------------------

def cmd_embed(args: argparse.Namespace) -> int:
    """Backfill embeddings for every queued item, with a progress bar."""
    import dataclasses

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from app.embeddings import EmbeddingError, get_provider
    from app.embeddings.worker import embed_pending, requeue, status

    settings = get_settings()
    if args.provider:
        settings = dataclasses.replace(settings, embedding_provider=args.provider)
    with db.connect() as conn:
        if args.requeue:
            console.print(f"{requeue(conn, args.items or None)} items queued for re-embedding")
        state = status(conn)
        if args.status:
            print(json.dumps(state, indent=2))
            return 0
        try:
            provider = get_provider(settings, dim=state["dim"])
            total = state["ready"] if args.limit is None else min(state["ready"], args.limit)
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=err) as progress:
                task = progress.add_task(f"embedding ({provider.name})", total=total)
                result = embed_pending(conn, provider, batch_size=args.batch_size or settings.embedding_batch_size,
                                       limit=args.limit, on_batch=lambda n: progress.advance(task, n),
                                       bulk_min=settings.embedding_bulk_min,
                                       index_memory=settings.embedding_index_memory,
                                       workers=settings.embedding_workers)
        except EmbeddingError as exc:
            err.print(f"[red]embedding failed[/red]: {exc}")
            return 1
        left = status(conn)
    bulk = f", bulk load: HNSW index built in {result.index_seconds:.1f} s" if result.bulk else ""
    console.print(f"embedded {result.embedded} items in {result.seconds:.1f} s ({result.rate:.0f}/s) with {provider.name}{bulk}; "
                  f"{left['pending']} still queued")
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    """The scheduler in the foreground (same as ``python -m scheduler``)."""
    import scheduler

    return scheduler.run(args)


# --- HTTP API -----------------------------------------------------------------------------------

def cmd_serve(args: argparse.Namespace) -> int:
    """The Litestar API under uvicorn (JSON logs; SIGTERM finishes in-flight requests first)."""
    import uvicorn

    from app.api.observability import configure_logging

    settings = get_settings()
    workers = args.workers if args.workers is not None else settings.api_workers
    if workers < 1:
        err.print(f"--workers must be at least 1, got {workers}")
        return 2
    if workers > 1 and settings.api_metrics_address:
        # Each worker would try to listen on it; and each holds only its own figures.
        err.print("PGREC_API_METRICS_ADDRESS needs one worker: unset it or serve with --workers 1")
        return 2
    configure_logging()
    uvicorn.run("app.api:create_app", factory=True, host=args.host, port=args.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=10, workers=workers)
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """API keys: the database keeps only a digest, so `create` shows the secret once."""
    if args.action in {"create", "revoke"} and not args.name:
        err.print(f"pgrec keys {args.action} needs a key name")
        return 2

    def stamp(t) -> str:
        return t.strftime("%Y-%m-%d %H:%M") if t else ""

    with db.connect() as conn:
        if args.action == "create":
            name, prefix, scopes, secret = conn.execute(
                "SELECT key_name, prefix, key_scopes, secret FROM rec.create_api_key(%s, %s)",
                (args.name, args.scope or ["read"])).fetchone()
            # Plain print, not rich: the secret must not be wrapped or styled, and scripts take
            # the last line (`pgrec keys create web --scope read | tail -n 1`).
            print(f"created API key {name} (prefix {prefix}, scopes {', '.join(scopes)})")
            print("send it as 'Authorization: Bearer <secret>'; it is shown only now:")
            print(secret)
        elif args.action == "revoke":
            revoked = conn.execute("SELECT rec.revoke_api_key(%s)", (args.name,)).fetchone()[0]
            console.print(f"revoked {args.name}" if revoked else f"{args.name} was already revoked")
        else:
            table = Table("name", "prefix", "scopes", "created", "last used", "revoked")
            for name, prefix, scopes, created, used, revoked in conn.execute("SELECT * FROM rec.api_keys()"):
                table.add_row(name, prefix, ", ".join(scopes), stamp(created), stamp(used), stamp(revoked))
            console.print(table)
    return 0


def cmd_experiment(args: argparse.Namespace) -> int:
    """A/B experiments: the list, or one experiment's report (rec.experiment_report) with a
    column per variant, so that two or three variants fit 80 columns."""
    if args.action == "report" and not args.name:
        err.print("pgrec experiment report needs an experiment name")
        return 2
    with db.connect() as conn:
        if args.action == "list":
            table = Table("name", "status", "starts", "ends", "variants (strategy share)")
            for name, status, starts, ends, variants in conn.execute(
                    "SELECT name, status, starts_at, ends_at, variants FROM rec.experiments()"):
                table.add_row(name, status, f"{starts:%Y-%m-%d %H:%M}", f"{ends:%Y-%m-%d %H:%M}" if ends else "",
                              ", ".join(f"{v['name']} ({v['strategy']} {v['share']:g})" for v in variants))
            console.print(table)
            return 0
        cur = conn.execute("SELECT * FROM rec.experiment_report(%s, %s::interval)", (args.name, args.attribution))
        names = [c.name for c in cur.description]
        variants = [dict(zip(names, row)) for row in cur.fetchall()]

    def rate(v: dict, key: str, low: str, high: str, sign: str = "") -> str:
        if v[key] is None:
            return ""
        interval = f" [{v[low]:{sign}.3f}, {v[high]:{sign}.3f}]" if v[low] is not None else ""
        return f"{v[key]:{sign}.3f}{interval}"

    table = Table(title=f"experiment {args.name} (attribution {args.attribution}, 95 % intervals)",
                  title_justify="left")
    table.add_column("")
    for v in variants:
        table.add_column(v["variant"] + (" (control)" if v["control"] else ""), overflow="fold")
    lines = [("strategy", lambda v: v["strategy"]), ("share", lambda v: f"{v['share']:g}"),
             ("users", lambda v: str(v["users"])), ("impressions", lambda v: str(v["impressions"])),
             ("clicks", lambda v: str(v["clicks"])), ("CTR", lambda v: rate(v, "ctr", "ctr_low", "ctr_high")),
             ("conversions", lambda v: str(v["conversions"])),
             ("conversion rate", lambda v: rate(v, "conversion_rate", "conversion_low", "conversion_high")),
             ("coverage", lambda v: "" if v["coverage"] is None else f"{v['coverage']:.3f}"),
             ("CTR − control", lambda v: rate(v, "ctr_diff", "ctr_diff_low", "ctr_diff_high", "+"))]
    for label, cell in lines:
        table.add_row(label, *(cell(v) for v in variants))
    console.print(table)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Items, users or events from CSV, JSON Lines or MovieLens files (see app/importer.py)."""
    from app.importer import run

    return run(args)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Offline evaluation of every strategy against baselines (see app/evaluation)."""
    from app.evaluation import run

    return run(args)


# --- the whole thing --------------------------------------------------------------------------

def up_state_file() -> Path:
    """Where `pgrec up` records what it started, so that `pgrec down` can stop it (beside the
    embedded database's folder, git-ignored like it)."""
    data_dir = get_settings().data_dir
    return data_dir.parent / f"{data_dir.name}.up.json"


def cmd_up(args: argparse.Namespace) -> int:
    """`make run`: database, migrations, demo data when empty, then the API and the scheduler.
    On exit (Ctrl-C, SIGTERM, `pgrec down`) it stops what it started, the embedded database included."""
    from app.schema import migrate

    settings = get_settings()
    state_file = up_state_file()
    if state_file.exists() and _alive(json.loads(state_file.read_text()).get("pid")):
        err.print(f"pgrec up is already running (see {state_file}); `pgrec down` stops it")
        return 1
    # Only a database this command starts is stopped on exit; one that was running stays up.
    started_db = not settings.database_url and not db.embedded_running(settings.data_dir)
    try:
        url = db.database_url()
        console.print(f"database: {url}")
        migrate(url)
        cmd_demo(build_parser().parse_args(["demo", "--if-empty"]))
        secret = demo_api_key()
        base = f"http://{args.host}:{args.port}"
        console.print(f"API on {base}  (OpenAPI: /schema)  demo key, valid until the next start:")
        console.print(f"  curl -H 'Authorization: Bearer {secret}' '{base}/v1/users/u1/feed?n=5'", soft_wrap=True)
        console.print(f"  playground: {base}/playground   dashboard: {base}/dashboard   (paste the key)")
        console.print("  .venv/bin/pgrec feed u1        stop everything: Ctrl-C here, or `pgrec down`")
        services = [["serve", "--host", args.host, "--port", str(args.port)], ["scheduler"]]
        missing = [s[0] for s in services if s[0] not in COMMANDS]
        if missing:
            err.print(f"cannot start: this build has no {', '.join(missing)} command")
            return 1
        return supervise([[sys.executable, "-m", "app.cli", *service] for service in services],
                         state_file=state_file, state={"started_db": started_db, "data_dir": str(settings.data_dir),
                                                       "url": base})
    finally:
        if started_db and db.embedded_running(settings.data_dir):
            db.stop_embedded(settings.data_dir)
            console.print(f"stopped the embedded database in {settings.data_dir}")


def _alive(pid: object) -> bool:
    """Whether process ``pid`` runs (an exited process its parent has not reaped yet does not)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_pgrec(pid: int) -> bool:
    """Whether ``pid`` is still one of our processes (pids are reused after a crash)."""
    try:
        return b"app.cli" in Path(f"/proc/{pid}/cmdline").read_bytes() or b"pgrec" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return _alive(pid)


def cmd_down(args: argparse.Namespace) -> int:
    """Stop what `pgrec up` (`make run`) started: the API, the scheduler and the embedded database."""
    import signal
    import time

    settings = get_settings()
    state_file = up_state_file()
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    stopped: list[str] = []
    pid = state.get("pid")
    if _alive(pid) and _is_pgrec(pid):
        # The supervisor stops its children and the database it started, in that order.
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + args.timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            err.print(f"pgrec up (pid {pid}) did not stop within {args.timeout:.0f} s")
            return 1
        stopped.append(f"pgrec up (pid {pid}: API and scheduler)")
    else:
        # The supervisor is gone (killed hard): stop the children it recorded, if still ours.
        for child in state.get("children", []):
            if _alive(child) and _is_pgrec(child):
                os.kill(child, signal.SIGTERM)
                stopped.append(f"pid {child}")
    state_file.unlink(missing_ok=True)
    if not settings.database_url and db.embedded_running(settings.data_dir):
        db.stop_embedded(settings.data_dir)
        stopped.append(f"the embedded database in {settings.data_dir}")
    console.print(("stopped " + ", ".join(stopped)) if stopped else "nothing was running", highlight=False)
    return 0


def demo_api_key() -> str:
    """A fresh all-scopes key for the local demo; earlier demo keys are revoked."""
    from datetime import datetime

    with db.connect() as conn:
        for (name,) in conn.execute("SELECT key_name FROM rec.api_keys() WHERE key_name LIKE 'demo-%%' "
                                    "AND revoked_at IS NULL").fetchall():
            conn.execute("SELECT rec.revoke_api_key(%s)", (name,))
        name = f"demo-{datetime.now():%Y%m%d-%H%M%S}"
        return conn.execute("SELECT secret FROM rec.create_api_key(%s, %s)",
                            (name, ["read", "write", "admin"])).fetchone()[0]


def supervise(commands: list[list[str]], state_file: Path | None = None, state: dict | None = None) -> int:
    """Run child processes until one exits or we are told to stop; then stop them all.
    ``state_file`` records our pid and the children's for `pgrec down` while they run."""
    import signal
    import subprocess
    import time

    children = [subprocess.Popen(command) for command in commands]
    stopping = False

    def stop(signum: int, _frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if state_file is not None:
        state_file.write_text(json.dumps({**(state or {}), "pid": os.getpid(), "children": [c.pid for c in children]}))
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.2)
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
        if state_file is not None:
            state_file.unlink(missing_ok=True)
    failed = [c.returncode for c in children if c.returncode not in (0, -signal.SIGTERM)]
    return 0 if stopping or not failed else failed[0]


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pgrec", description="pgrec: a recommender inside PostgreSQL.")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        COMMANDS[name] = func
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = add("db", cmd_db, "manage the embedded PostgreSQL (start, stop, status, url)")
    p.add_argument("action", choices=["start", "stop", "status", "url"])

    p = add("migrate", cmd_migrate, "install or upgrade pgrec in the database (alembic upgrade)")
    p.add_argument("revision", nargs="?", default="head")

    p = add("demo", cmd_demo, "load synthetic demo data (users with tastes, items, events)")
    p.add_argument("--app", help="an application world instead of the generic demo: explore (projects, creators, "
                                 "follows, quiz), marketplace (local jobs and gigs), learning (courses, lessons, "
                                 "scores) or profiles (explicit and implicit feedback)")
    p.add_argument("--preset", help="generic world under a realism preset: ratings, implicit or long-history")
    p.add_argument("--items", type=int)
    p.add_argument("--users", type=int)
    p.add_argument("--events", type=int)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--if-empty", action="store_true", help="only when the database has no items")
    add_world_options(p)

    p = add("refresh", cmd_refresh, "run every refresh step now (or one), model fits and embeddings included")
    p.add_argument("what", nargs="?", default="all")

    add("tune", cmd_tune, "fit the feed's blend by replaying this installation's events (strategies tuned, tuned_cold)")

    p = add("feed", cmd_feed, "print a user's feed with its score terms")
    p.add_argument("user")
    p.add_argument("-n", type=int, default=20)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--strategy", help="a strategy (default: the fitted blend when it validated better, else default)")
    p.add_argument("--terms", type=int, default=3, help="score terms shown per item, largest first (default 3)")
    p.add_argument("--json", action="store_true")

    p = add("embed", cmd_embed, "embed every queued item (new or edited) with the configured provider")
    p.add_argument("--batch-size", type=int, help="items per claim and provider request (PGREC_EMBEDDING_BATCH_SIZE)")
    p.add_argument("--limit", type=int, help="stop after this many items")
    p.add_argument("--provider", choices=["openai", "offline", "sentence-transformers"], help="override PGREC_EMBEDDING_PROVIDER")
    p.add_argument("--requeue", action="store_true", help="first queue items again (all, or --item ...), e.g. after changing model")
    p.add_argument("--item", dest="items", action="append", help="with --requeue: only this item id (repeatable)")
    p.add_argument("--status", action="store_true", help="print embedding progress as JSON and exit")

    p = add("scheduler", cmd_scheduler, "run the refresh steps when they are due (pgrec.refresh_steps) until SIGTERM")
    import scheduler as _scheduler

    _scheduler.add_arguments(p)

    p = add("import", cmd_import,
            "load items, users or events from CSV, JSON Lines or MovieLens files through the rec functions")
    from app.importer import add_arguments as import_arguments
    import_arguments(p)

    p = add("evaluate", cmd_evaluate,
            "hold out recent events, replay with rec.as_of, report Recall/NDCG/coverage/latency per strategy")
    from app.evaluation import add_arguments as evaluate_arguments
    evaluate_arguments(p)
    add_world_options(p)

    p = add("up", cmd_up, "start everything for a demo: database, migrations, demo data, API and scheduler")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = add("down", cmd_down, "stop what `pgrec up` started: the API, the scheduler and the embedded database")
    p.add_argument("--timeout", type=float, default=60, help="seconds to wait for pgrec up to stop (default 60)")

    p = add("serve", cmd_serve, "run the HTTP API (Litestar under uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=None,
                   help="API processes sharing the port (default PGREC_API_WORKERS, 1); see the README")

    p = add("keys", cmd_keys, "manage HTTP API keys (create prints the secret alone on its last line)")
    p.add_argument("action", choices=["create", "revoke", "list"])
    p.add_argument("name", nargs="?", help="key name (create, revoke)")
    p.add_argument("--scope", action="append", choices=["read", "write", "admin"],
                   help="scope of a new key; repeat for several (default: read)")

    p = add("experiment", cmd_experiment, "A/B experiments: list them, or print one's report per variant")
    p.add_argument("action", choices=["list", "report"])
    p.add_argument("name", nargs="?", help="experiment name (report)")
    p.add_argument("--attribution", default="24 hours",
                   help="how long after an impression an event counts (default '24 hours')")

    return parser


def where(url: str | None) -> str:
    """host:port/dbname of a libpq URL, without user or password, for messages."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url or "")
    except psycopg.Error:
        return "?"
    host = str(info.get("host") or "localhost")
    return f"{host}:{info.get('port') or 5432}/{info.get('dbname') or info.get('user') or ''}"


def connection_problem(exc: BaseException) -> str | None:
    """One line saying what to do when the database cannot be reached, or None if ``exc`` is
    not about reaching it (a SQL error is reported as such)."""
    settings = get_settings()
    if isinstance(exc, psycopg.ProgrammingError) and exc.sqlstate is None and settings.database_url:
        return (f"DATABASE_URL is not a valid connection string ({str(exc).strip().splitlines()[0]}); "
                "write it as postgresql://user:password@host:5432/dbname")
    sqlstate = getattr(exc, "sqlstate", None)
    if sqlstate in {"3F000", "42883"} or (sqlstate == "42P01" and "pgrec." in str(exc)):
        return "pgrec is not installed in this database: run `pgrec migrate` (alembic upgrade head)"
    if not isinstance(exc, psycopg.OperationalError) or (sqlstate and sqlstate[:2] not in {"08", "28", "3D", "57"}):
        return None
    # libpq's text is several lines ("connection to server at ... failed: Connection refused\n\tIs the
    # server running ..."); the reason is the end of the first one.
    reason = str(exc).strip().splitlines()[0].rsplit(" failed: ", 1)[-1].strip() if str(exc).strip() else "no answer"
    if settings.database_url and "does not exist" in reason:
        return f"{reason.removeprefix('FATAL:').strip()} at {where(settings.database_url)}: create it or fix DATABASE_URL"
    if settings.database_url:
        return (f"cannot reach the database at {where(settings.database_url)} ({reason}): start that server "
                "or fix DATABASE_URL (unset it to use the embedded database)")
    return (f"cannot reach the embedded database in {settings.data_dir} ({reason}): `pgrec db status` tells whether "
            "it runs, `pgrec db start` starts it")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except psycopg.Error as exc:
        problem = connection_problem(exc)
        if problem:
            err.print(f"[red]pgrec[/red]: {problem}", soft_wrap=True, highlight=False)
            return 1
        # The SQL API's messages are written for people; show them without a traceback.
        diag = exc.diag
        err.print(f"[red]error {diag.sqlstate or ''}[/red]: {diag.message_primary or exc}", soft_wrap=True)
        if diag.message_hint:
            err.print(f"hint: {diag.message_hint}", soft_wrap=True)
        return 1
    except Exception as exc:  # noqa: BLE001  (one line, not a traceback, for what a user can fix)
        # Alembic (SQLAlchemy) wraps the driver's error; the embedded server's start can fail too.
        cause = getattr(exc, "orig", None) or exc.__cause__
        problem = connection_problem(cause) if isinstance(cause, psycopg.Error) else None
        if problem is None and type(exc).__name__ in {"PostgresError", "TimeoutError"} and not get_settings().database_url:
            problem = (f"the embedded database in {get_settings().data_dir} did not start ({exc}); "
                       "`pgrec db stop` then `pgrec db start`, or remove the folder to start afresh")
        if problem is None:
            raise
        err.print(f"[red]pgrec[/red]: {problem}", soft_wrap=True, highlight=False)
        return 1


if __name__ == "__main__":
    sys.exit(main())
