"""An evaluation as a terminal table and as one self-contained HTML file.

The HTML report has a metric table, Recall@K and NDCG@K curves per row, coverage against
accuracy, the latency distribution of the strategies and the metrics per user-activity bucket
(cold / medium / heavy). Plots are drawn by matplotlib and inlined as SVG, so the file opens
offline, from an e-mail or a CI artefact, and loads nothing. Every chart iterates over the
report's rows, whatever their number and kind.
"""

from __future__ import annotations

import html
import io
from datetime import datetime, timezone
from pathlib import Path

from app.evaluation.metrics import ACTIVITY_BUCKETS, Report, Result

# Line style per kind of row; kinds a later evaluation adds get the last style.
_KIND_STYLES = {"strategy": "-", "baseline": "--", "model": "-.", "tuned": "-"}


def render_table(report: Report) -> None:
    """The metric table on the terminal (rich)."""
    from rich.console import Console
    from rich.table import Table

    ks = report.split["k"]
    table = Table(title=f"{report.dataset}: {report.split['evaluated_users']} users evaluated, "
                        f"{report.split['train_events']} training / {report.split['held_out_events']} held-out events")
    table.add_column("model")
    table.add_column("kind")
    for k in ks:
        table.add_column(f"Recall@{k}", justify="right")
        table.add_column(f"NDCG@{k}", justify="right")
    table.add_column(f"coverage@{max(ks)}", justify="right")
    table.add_column("p50 ms", justify="right")
    table.add_column("p95 ms", justify="right")
    for r in report.results:
        if r.note and not r.recall:
            table.add_row(r.name, r.kind, *([""] * (2 * len(ks))), "", "", r.note)
            continue
        cells = []
        for k in ks:
            cells += [f"{r.recall[k]:.4f}", f"{r.ndcg[k]:.4f}"]
        lat = r.latency_ms or {}
        table.add_row(r.name, r.kind, *cells, f"{r.coverage:.3f}",
                      f"{lat['p50']:.1f}" if lat else "", f"{lat['p95']:.1f}" if lat else "")
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for note in report.notes:
        console.print(note)


def _scored(report: Report) -> list[Result]:
    return [r for r in report.results if r.recall]


def _svg(figure, name: str) -> str:
    """A matplotlib figure as inline SVG text (text kept as text, ids unique per figure)."""
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"pgrec-{name}"}):
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    import matplotlib.pyplot as plt

    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _style(result: Result) -> str:
    return _KIND_STYLES.get(result.kind, ":")


def curves_figure(report: Report) -> str:
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True)
    for result in _scored(report):
        if not result.curve:
            continue
        ks = range(1, len(result.curve["recall"]) + 1)
        for ax, metric in zip(axes, ("recall", "ndcg")):
            ax.plot(ks, result.curve[metric], _style(result), label=f"{result.name} ({result.kind})", linewidth=1.6)
    for ax, title in zip(axes, ("Recall@K", "NDCG@K")):
        ax.set_title(title)
        ax.set_xlabel("K")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    axes[1].legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    return _svg(figure, "curves")


def coverage_figure(report: Report) -> str:
    import matplotlib.pyplot as plt

    kmax = max(report.split["k"])
    figure, ax = plt.subplots(figsize=(5.5, 3.8))
    for result in _scored(report):
        marker = "o" if result.kind == "strategy" else "s" if result.kind == "baseline" else "^"
        ax.scatter(result.coverage, result.ndcg[kmax], marker=marker, s=50)
        ax.annotate(result.name, (result.coverage, result.ndcg[kmax]), textcoords="offset points", xytext=(5, 4),
                    fontsize=8)
    ax.set_xlabel(f"catalogue coverage@{kmax}")
    ax.set_ylabel(f"NDCG@{kmax}")
    ax.set_title("coverage vs accuracy (o strategy, □ baseline)")
    ax.grid(alpha=0.3)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    figure.tight_layout()
    return _svg(figure, "coverage")


def latency_figure(report: Report) -> str | None:
    import matplotlib.pyplot as plt

    timed = [r for r in report.results if r.latencies]
    if not timed:
        return None
    figure, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.boxplot([r.latencies for r in timed], showfliers=True, flierprops={"markersize": 2})
    ax.set_xticks(range(1, len(timed) + 1), [r.name for r in timed], rotation=20)
    ax.set_ylabel("rec.feed latency (ms)")
    ax.set_title(f"latency per call ({len(timed[0].latencies)} calls each)")
    ax.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return _svg(figure, "latency")


def activity_figure(report: Report) -> str | None:
    import matplotlib.pyplot as plt
    import numpy as np

    kmax = max(report.split["k"])
    rows = [r for r in _scored(report) if r.buckets]
    names = [b for b, _, _ in ACTIVITY_BUCKETS if any(b in r.buckets for r in rows)]
    if not rows or not names:
        return None
    figure, ax = plt.subplots(figsize=(10, 3.6))
    width = 0.8 / len(rows)
    x = np.arange(len(names))
    for n, result in enumerate(rows):
        values = [result.buckets.get(b, {}).get(f"ndcg@{kmax}", 0.0) for b in names]
        ax.bar(x + n * width - 0.4 + width / 2, values, width, label=result.name)
    users = {b: int(next((r.buckets[b]["users"] for r in rows if b in r.buckets), 0)) for b in names}
    labels = {name: f"{name} ({low}–{high if high is not None else '∞'} training events)"
              for name, low, high in ACTIVITY_BUCKETS}
    ax.set_xticks(x, [f"{labels[b]}\n{users[b]} users" for b in names])
    ax.set_ylabel(f"NDCG@{kmax}")
    ax.set_title("accuracy by user activity")
    ax.legend(fontsize=8, ncols=min(len(rows), 4))
    ax.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return _svg(figure, "activity")


def _table(report: Report) -> str:
    ks = report.split["k"]
    head = ["model", "kind", *[f"{m}@{k}" for k in ks for m in ("Recall", "NDCG")], f"coverage@{max(ks)}",
            "p50 ms", "p95 ms", "users"]
    best = {}
    for k in ks:
        scored = _scored(report)
        if scored:
            best[f"Recall@{k}"] = max(r.recall[k] for r in scored)
            best[f"NDCG@{k}"] = max(r.ndcg[k] for r in scored)
    lines = ["<table class='metrics'><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head)
             + "</tr></thead><tbody>"]
    for r in report.results:
        if not r.recall:
            lines.append(f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.kind)}</td>"
                         f"<td colspan='{len(head) - 2}' class='note'>{html.escape(r.note)}</td></tr>")
            continue
        cells = [html.escape(r.name), html.escape(r.kind)]
        for k in ks:
            for label, value in ((f"Recall@{k}", r.recall[k]), (f"NDCG@{k}", r.ndcg[k])):
                mark = " class='best'" if abs(value - best.get(label, -1)) < 1e-12 else ""
                cells.append(f"<span{mark}>{value:.4f}</span>")
        lat = r.latency_ms or {}
        cells += [f"{r.coverage:.3f}", f"{lat['p50']:.1f}" if lat else "", f"{lat['p95']:.1f}" if lat else "",
                  str(r.users)]
        lines.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px auto;
       max-width: 1100px; color: #1f2328; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 16px; margin-top: 28px; }
.muted { color: #656d76; }
table.metrics { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.metrics th, table.metrics td { padding: 3px 10px; border-bottom: 1px solid #d8dee4; text-align: right; }
table.metrics th:nth-child(-n+2), table.metrics td:nth-child(-n+2) { text-align: left; }
.best { font-weight: 700; } td.note { color: #656d76; text-align: left; }
.figures { display: flex; flex-wrap: wrap; gap: 18px; } .figures > div { flex: 1 1 460px; }
svg { max-width: 100%; height: auto; }
"""


def render_html(report: Report) -> str:
    """The whole report as one HTML document with inline SVG; it references no other file."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI toolkit: a file is all we make
    split = report.split
    figures = [("Recall@K and NDCG@K", curves_figure(report)),
               ("Coverage vs accuracy", coverage_figure(report)),
               ("Latency distribution", latency_figure(report)),
               ("By user activity", activity_figure(report))]
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>pgrec evaluation: {html.escape(report.dataset)}</title>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>pgrec evaluation <span class='muted'>{html.escape(report.dataset)}</span></h1>",
        f"<p class='muted'>{split['evaluated_users']} users evaluated of {split['users']}; "
        f"{split['train_events']} training / {split['held_out_events']} held-out events "
        f"(each user's most recent {split['holdout']:.0%}, users with at least {split['min_events']} events); "
        f"K = {', '.join(map(str, split['k']))}. Made {made}.</p>",
        "<h2>Metrics</h2>", _table(report),
        "<p class='muted'>Relevant items: held-out clear positives (like, save, share, apply, complete, rating ≥ 4) "
        "the user had not touched in training. Strategies are replayed through rec.feed with rec.as_of at each "
        "user's first held-out event; baselines are trained in numpy on the same events. Bold: best in column.</p>",
    ]
    parts += [f"<p class='muted'>{html.escape(note)}</p>" for note in report.notes]
    curves, pair, activity = figures[0], figures[1:3], figures[3]
    for title, svg in (curves,):
        parts += [f"<h2>{html.escape(title)}</h2>", f"<div class='figure'>{svg}</div>"]
    # The two small charts side by side on a wide screen.
    parts.append("<div class='figures'>" + "".join(f"<div><h2>{html.escape(t)}</h2>{svg}</div>" for t, svg in pair if svg)
                 + "</div>")
    if activity[1]:
        parts += [f"<h2>{html.escape(activity[0])}</h2>", f"<div class='figure'>{activity[1]}</div>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(report: Report, path: Path) -> Path:
    path.write_text(render_html(report), encoding="utf-8")
    return path
