"""Offline evaluation of the feed: hold out each user's most recent events, replay, measure.

``pgrec evaluate`` (see :func:`run`) does, in order:

1. **Data** (:mod:`.readers`): a synthetic world (:mod:`app.demo`: the generic demo, a realism
   preset such as ``ratings``, or an application world such as ``marketplace``), or files — a
   ratings/events file and optionally an items file, MovieLens layouts included.
2. **Split** (:mod:`.split`): each user's most recent 20 % held out; the relevant items are the
   held-out items the user had not touched in training. Optionally a share of users becomes
   newcomers, cut back to their first 3 events.
3. **Replay** (:mod:`.replay`): a fresh database gets the training events through the public
   ``rec`` functions, runs ``pgrec refresh`` and ``pgrec tune`` as of the end of training, and
   ``rec.feed`` is asked at that moment: without a strategy (row ``pgrec``), per preset and per
   model alone. **Baselines** (:mod:`.baselines`) are fitted in numpy on the same events, their
   hyperparameters chosen on the held-out events themselves.
4. **Measure** (:mod:`.metrics`): Recall@K, NDCG@K (binary gains), catalogue coverage at the
   largest K, the latency of every ``rec.feed`` call, and the same per user-activity bucket.
5. **Report** (:mod:`.report`): a terminal table, ``--json``, or ``--report FILE.html`` — one
   self-contained HTML file with the table and the plots.

Results are plain rows (:class:`~.metrics.Result`): anything that yields ranked lists per
user — a fitted model, a tuner's blend — becomes another row, and the report renders it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.evaluation.metrics import Report, Result, recall_ndcg, score_lists
from app.evaluation.readers import Dataset, Event, from_files, read_events, read_items, synthetic
from app.evaluation.replay import evaluate
from app.evaluation.split import Split, split

__all__ = ["Dataset", "Event", "Report", "Result", "Split", "add_arguments", "evaluate", "from_files",
           "read_events", "read_items", "recall_ndcg", "run", "score_lists", "split", "synthetic"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``pgrec evaluate`` options (app/cli.py registers the subcommand)."""
    src = p.add_argument_group("data (default: the synthetic generator)")
    src.add_argument("--ratings", type=Path, help="ratings/events file (MovieLens ratings.csv, u.data, ratings.dat, or CSV)")
    src.add_argument("--items-file", type=Path, help="items file (movies.csv, u.item, movies.dat, or CSV id,title,tags)")
    src.add_argument("--world", default="generic",
                     help="synthetic world: generic, a realism preset (ratings, implicit, long-history) or an "
                          "application world (explore, marketplace, learning, profiles)")
    src.add_argument("--items", type=int, default=2000, help="synthetic items")
    src.add_argument("--users", type=int, default=500, help="synthetic users")
    src.add_argument("--events", type=int, default=50_000, help="synthetic events")
    src.add_argument("--seed", type=int, default=42)
    src.add_argument("--ratings-as", choices=["like-view", "rate"], default="like-view",
                     help="ratings become like (4 or more) / view events (default), or rate events with the value")
    p.add_argument("--strategies", default="default", help="presets to replay beside the fitted blend")
    p.add_argument("--models", default="itemknn,ease,als", help="models to replay alone (the feed with only that signal)")
    p.add_argument("--no-tune", action="store_true", help="skip pgrec tune (the row pgrec is then the preset)")
    p.add_argument("--relevant", choices=["all", "positive"], default="all",
                   help="held-out items that count: everything but rejections (default), or clear positives")
    p.add_argument("--cold-share", type=float, default=0.0,
                   help="share of evaluated users cut back to their first 3 events (newcomers), e.g. 0.14")
    p.add_argument("--k", default="10,20", help="cut-offs, comma separated")
    p.add_argument("--holdout", type=float, default=0.2)
    p.add_argument("--min-events", type=int, default=5)
    p.add_argument("--max-users", type=int, default=1000, help="evaluate a deterministic sample of this many users")
    p.add_argument("--baselines", default="popularity,itemknn,ease,als")
    p.add_argument("--baseline-max-items", type=int, default=12000)
    p.add_argument("--keep", action="store_true", help="keep the evaluation database")
    p.add_argument("--json", action="store_true")
    p.add_argument("--report", type=Path, metavar="FILE.html",
                   help="also write a self-contained HTML report (table and plots) to this file")


def run(args: argparse.Namespace) -> int:
    from app.evaluation.report import render_table, write_html

    log = (lambda m: print(m, file=sys.stderr)) if args.json else print
    if args.ratings:
        ds = from_files(args.ratings, args.items_file, ratings_as=args.ratings_as)
    else:
        knobs = {k: getattr(args, k, None) for k in ("days", "churn", "long_tail", "disliked", "event_mix")}
        try:
            ds = synthetic(args.items, args.users, args.events, args.seed, world=getattr(args, "world", "generic"),
                           **knobs)
        except ValueError as exc:  # an unknown world or a knob out of range: say which
            print(exc, file=sys.stderr)
            return 2
    report = evaluate(ds, strategies=[s for s in args.strategies.split(",") if s],
                      ks=sorted({int(k) for k in args.k.split(",")}), holdout=args.holdout,
                      min_events=args.min_events, max_users=args.max_users,
                      baseline_names=[b for b in args.baselines.split(",") if b],
                      baseline_max_items=args.baseline_max_items, models=[m for m in args.models.split(",") if m],
                      tune=not args.no_tune, relevant=args.relevant, cold_share=args.cold_share, keep=args.keep,
                      seed=args.seed, log=log)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        render_table(report)
    if args.report:
        log(f"report written to {write_html(report, args.report)}")
    return 0
