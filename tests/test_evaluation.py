"""Offline evaluation (`pgrec evaluate`, its readers, split, metrics and HTML report)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from app.evaluation import Dataset, Event, from_files, read_events, read_items, recall_ndcg, split

GENRES = ("Comedy", "Horror")


def planted(n_users: int = 24, n_movies: int = 16):
    """Two taste groups: even users love comedies (movies 1-8), odd users horror (9-16)."""
    movies = [(m, f"Movie {m} (1995)", GENRES[(m - 1) // (n_movies // 2)]) for m in range(1, n_movies + 1)]
    ratings = []
    t = 881250949
    for u in range(1, n_users + 1):
        liked = [m for m, _, g in movies if g == GENRES[u % 2]]
        # Each user first rates one movie of the other genre (1 star), then a rotating run of
        # six of their genre (5 stars); the last two are held out.
        other = [m for m, _, g in movies if g != GENRES[u % 2]][u % (n_movies // 2)]
        ratings.append((u, other, 1, t + u * 1000))
        for k in range(6):
            ratings.append((u, liked[(u // 2 + k) % len(liked)], 5, t + u * 1000 + k + 1))
    return movies, ratings


def write_layouts(tmp: Path) -> dict[str, tuple[Path, Path]]:
    movies, ratings = planted()
    (tmp / "ratings.csv").write_text("userId,movieId,rating,timestamp\n"
                                     + "".join(f"{u},{m},{r}.0,{t}\n" for u, m, r, t in ratings))
    (tmp / "movies.csv").write_text("movieId,title,genres\n" + "".join(f'{m},"{t}",{g}|Drama\n' for m, t, g in movies))
    (tmp / "u.data").write_text("".join(f"{u}\t{m}\t{r}\t{t}\n" for u, m, r, t in ratings))
    flags = lambda g: "|".join("1" if name == g.lower() else "0" for name in
                               ("unknown", "action", "adventure", "animation", "children's", "comedy", "crime",
                                "documentary", "drama", "fantasy", "film-noir", "horror", "musical", "mystery",
                                "romance", "sci-fi", "thriller", "war", "western"))
    (tmp / "u.item").write_text("".join(f"{m}|{t}|01-Jan-1995||http://x|{flags(g)}\n" for m, t, g in movies),
                                encoding="latin-1")
    (tmp / "ratings.dat").write_text("".join(f"{u}::{m}::{r}::{t}\n" for u, m, r, t in ratings))
    (tmp / "movies.dat").write_text("".join(f"{m}::{t}::{g}\n" for m, t, g in movies), encoding="latin-1")
    return {"csv": (tmp / "ratings.csv", tmp / "movies.csv"), "100k": (tmp / "u.data", tmp / "u.item"),
            "1m": (tmp / "ratings.dat", tmp / "movies.dat")}


@pytest.mark.parametrize("layout", ["csv", "100k", "1m"])
def test_movielens_layouts_are_read(tmp_path: Path, layout: str) -> None:
    events_path, items_path = write_layouts(tmp_path)[layout]
    events = read_events(events_path)
    assert len(events) == 24 * 7 and events[0].type == "rate"
    assert events[0].at == datetime.fromtimestamp(881250949 + 1000, tz=timezone.utc) and events[0].value == 1.0
    items = {i["id"]: i for i in read_items(items_path)}
    assert items["1"]["title"] == "Movie 1 (1995)" and "category:comedy" in items["1"]["tags"]
    assert "category:horror" in items["16"]["tags"]
    ds = from_files(events_path, items_path)
    assert all("created_at" in i for i in ds.items)  # first rating - 1 day, so replays can see them


def test_generic_event_and_item_csvs(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("user_id,item_id,type,at\nu1,a,like,2026-01-01T00:00:00Z\nu1,b,view,2026-01-02T00:00:00Z\n")
    (tmp_path / "items.csv").write_text("id,title,tags\na,Alpha,tool:x|topic:y\nb,Beta,\n")
    ds = from_files(tmp_path / "events.csv", tmp_path / "items.csv")
    assert [(e.user, e.item, e.type) for e in ds.events] == [("u1", "a", "like"), ("u1", "b", "view")]
    assert ds.items[0]["tags"] == ["tool:x", "topic:y"]
    (tmp_path / "bad.csv").write_text("who,what\n1,2\n")
    with pytest.raises(ValueError):
        read_events(tmp_path / "bad.csv")


def test_split_holds_out_each_users_most_recent_fifth() -> None:
    t = lambda d: datetime(2026, 1, d, tzinfo=timezone.utc)
    events = [Event("u", f"i{d}", "like" if d != 9 else "view", None, t(d)) for d in range(1, 11)]
    events += [Event("u", "i3", "dismiss", None, t(10))]  # a rejection is never relevant
    events += [Event("short", "i1", "like", None, t(1))]  # too few events: training only
    sp = split(Dataset("x", [], events))
    # 11 events: the latest 2 held out (i10 liked, the dismissal of i3); i3 was seen in training.
    assert sp.relevant == {"u": {"i10"}}
    assert len(sp.train) == 10 and all(e.at <= t(9) for e in sp.train if e.user == "u")
    assert split(Dataset("x", [], events), holdout=0.3).relevant == {"u": {"i9", "i10"}}  # a view counts
    assert split(Dataset("x", [], events), holdout=0.3, relevant="positive").relevant == {"u": {"i10"}}
    with pytest.raises(ValueError):
        split(Dataset("x", [], events), relevant="some")


def test_newcomers_keep_only_their_first_events() -> None:
    t = lambda d: datetime(2026, 1, d, tzinfo=timezone.utc)
    events = [Event(f"u{k}", f"i{d}", "like", None, t(d)) for k in range(40) for d in range(1, 11)]
    sp = split(Dataset("x", [], events), cold_share=0.25, cold_keep=3, seed=1)
    assert 4 <= len(sp.cold) <= 18  # about a quarter, deterministically
    assert sp.cold == split(Dataset("x", [], events), cold_share=0.25, cold_keep=3, seed=1).cold
    for user in sp.cold:
        assert sp.train_counts[user] == 3 and sp.relevant[user] == {"i9", "i10"}
    warm = next(u for u in sp.relevant if u not in sp.cold)
    assert sp.train_counts[warm] == 8


def test_recall_and_ndcg() -> None:
    assert recall_ndcg(["a", "x", "b"], {"a", "b"}, 3) == pytest.approx((1.0, (1 + 1 / 2) / (1 + 1 / np.log2(3))))
    assert recall_ndcg(["x", "a"], {"a", "b", "c", "d"}, 1) == (0.0, 0.0)


def test_evaluate_cli_reports_every_strategy_and_baseline(tmp_path: Path, server_url: str, template_url: str,
                                                          monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from app.cli import main
    from app.settings import get_settings

    events_path, items_path = write_layouts(tmp_path)["csv"]
    monkeypatch.setenv("DATABASE_URL", server_url)
    monkeypatch.setenv("PGREC_EMBEDDING_PROVIDER", "offline")
    get_settings.cache_clear()
    try:
        code = main(["evaluate", "--ratings", str(events_path), "--items-file", str(items_path),
                     "--strategies", "default,popular", "--k", "3,5", "--json", "--report", str(tmp_path / "r.html")])
    finally:
        get_settings.cache_clear()
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    results = {r["name"]: r for r in report["results"]}
    assert set(results) == {"pgrec", "default", "popular", "model itemknn", "model ease", "model als",
                            "popularity", "itemknn", "ease", "als"}
    # 24 users are too few to fit a blend: the feed keeps the preset, and says so.
    assert any("too little data to tune" in note for note in report["notes"])
    assert report["split"]["evaluated_users"] == 24 and report["split"]["k"] == [3, 5]
    for r in results.values():
        assert 0 <= r["recall@5"] <= 1 and 0 <= r["ndcg@5"] <= 1 and 0 < r["coverage"] <= 1
    assert results["default"]["latency_ms"]["p50"] > 0
    # The planted taste is learnable: the personal feed beats popularity, and so do the baselines.
    assert results["default"]["recall@5"] > results["popular"]["recall@5"] + 0.2
    assert results["itemknn"]["recall@5"] > results["popularity"]["recall@5"]
    assert results["model ease"]["recall@5"] > results["popular"]["recall@5"]
    # Every planted user has 5 or 6 training events: all of them are in the cold bucket.
    assert results["default"]["by_activity"]["cold"]["users"] == 24
    assert set(results["default"]["by_activity"]) == {"cold"}

    page = (tmp_path / "r.html").read_text()
    assert_self_contained(page)
    assert page.count("<svg") == 4  # curves, coverage vs accuracy, latency, activity buckets
    for name in results:
        assert f"<td>{name}</td>" in page
    assert "Recall@K" in page and "latency per call" in page and "cold (0–9 training events)" in page


def assert_self_contained(page: str) -> None:
    """Nothing in the page makes a browser fetch anything: no scripts, links, images or urls."""
    import re

    assert "<script" not in page and "<link" not in page and "<img" not in page and "<iframe" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#|data:)""", page)
    assert not re.search(r"url\((?!#)", page) and "@import" not in page


def test_the_report_renders_any_number_of_rows_of_any_kind(tmp_path: Path) -> None:
    from app.evaluation.metrics import Report, score_lists
    from app.evaluation.report import write_html

    relevant = {"u1": {"a", "b"}, "u2": {"c"}, "u3": {"a"}}
    lists = {"u1": ["a", "x", "b"], "u2": ["y", "c", "z"], "u3": ["z", "y", "x"]}
    counts = {"u1": 3, "u2": 25, "u3": 400}
    rows = [score_lists("default", "strategy", lists, relevant, [1, 3], 10, [5.0, 6.0, 9.0], train_counts=counts),
            score_lists("ease-fit", "model", {u: ["a", "b", "c"] for u in lists}, relevant, [1, 3], 10,
                        train_counts=counts),
            score_lists("tuned", "tuned", {u: ["b", "a", "c"] for u in lists}, relevant, [1, 3], 10,
                        [4.0, 4.5, 7.0], train_counts=counts)]
    assert rows[0].curve["recall"] == pytest.approx([1 / 6, 1 / 2, 2 / 3])
    assert {b: m["users"] for b, m in rows[0].buckets.items()} == {"cold": 1, "medium": 1, "heavy": 1}
    assert rows[0].buckets["heavy"]["recall@3"] == 0 and rows[0].buckets["cold"]["recall@3"] == 1
    split_info = {"users": 3, "evaluated_users": 3, "train_events": 428, "held_out_events": 4, "holdout": 0.2,
                  "min_events": 5, "k": [1, 3]}
    page = write_html(Report("three users", split_info, rows, ["a note"]), tmp_path / "r.html").read_text()
    assert_self_contained(page)
    for name in ("default", "ease-fit", "tuned"):
        assert f"<td>{name}</td>" in page
    assert page.count("<svg") == 4 and "a note" in page
