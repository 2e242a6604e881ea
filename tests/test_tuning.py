"""`pgrec tune`: the blend fitted by replaying the installation's own events — on worlds built
to need particular weights, never served when it does not beat the preset, reproducible, and a
replay can never keep what it held out."""

from __future__ import annotations

import random
from datetime import timedelta

import psycopg
import pytest

import app.tuning as tuning
from tests.helpers import NOW, ago, at, iso, query, sqlstate_of, track, upsert_items

GROUPS = 4
ITEMS_PER_GROUP = 30


def taste_world(conn, users: int = 100, seed: int = 1) -> None:
    """Four taste groups of thirty items: each user likes ten items of their own group, one a
    day, in a random order, plus two random items of any group. What a user likes next is
    their group's: personal signals know it, recency and popularity do not."""
    rng = random.Random(seed)
    at(conn)
    items = [f"g{g}i{n}" for g in range(GROUPS) for n in range(ITEMS_PER_GROUP)]
    upsert_items(conn, [{"id": i, "created_at": ago(days=rng.randint(40, 400))} for i in items])
    events = []
    for u in range(users):
        group = [i for i in items if i.startswith(f"g{u % GROUPS}i")]
        chosen = rng.sample(group, 10) + rng.sample(items, 2)
        rng.shuffle(chosen)
        for day, item in enumerate(chosen):
            events.append({"user_id": f"u{u}", "item_id": item, "type": "like",
                           "at": iso(NOW - timedelta(days=30 - day, hours=u % 24))})
    track(conn, events)


def popularity_world(conn, users: int = 100, seed: int = 2) -> None:
    """No taste at all: everyone picks items by a steep popularity curve."""
    rng = random.Random(seed)
    at(conn)
    items = [f"p{n}" for n in range(120)]
    upsert_items(conn, [{"id": i, "created_at": ago(days=rng.randint(40, 400))} for i in items])
    weights = [1 / (n + 1) ** 1.2 for n in range(len(items))]
    events = []
    for u in range(users):
        chosen: list[str] = []
        while len(chosen) < 10:
            pick = rng.choices(items, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        for day, item in enumerate(chosen):
            events.append({"user_id": f"u{u}", "item_id": item, "type": "like",
                           "at": iso(NOW - timedelta(days=30 - day, hours=u % 24))})
    track(conn, events)


def refresh_everything(conn) -> None:
    from app.refresh import refresh

    assert all(run.outcome == "ok" for run in refresh(conn)), "refresh failed"


def run_tune(conn, **kwargs) -> tuning.TuneResult:
    messages: list[str] = []
    result = tuning.tune(conn, progress=messages.append, **kwargs)
    assert messages and messages[-1].startswith("tune finished") or not result.tuned
    return result


def served(conn, user: str, strategy: str | None = None) -> list[str]:
    return [r[0] for r in conn.execute("SELECT item_id FROM rec.feed(%s, 10, 0, %s)", (user, strategy))]


def personal_share(weights: dict[str, float]) -> float:
    personal = ("ease", "als", "collaborative", "sequence", "tags", "vector", "explicit")
    return sum(w for s, w in weights.items() if s in personal) / sum(weights.values())


def test_too_little_data_keeps_the_preset_and_says_so(conn) -> None:
    taste_world(conn, users=12)
    refresh_everything(conn)
    result = run_tune(conn)
    assert not result.tuned and "too little data" in result.message
    assert query(conn, "SELECT count(*) FROM pgrec.strategies WHERE tuned_from IS NOT NULL") == [(0,)]
    assert served(conn, "u1") == served(conn, "u1", "default")


def test_the_tuner_finds_the_personal_signals_a_bad_preset_left_out(conn) -> None:
    taste_world(conn)
    refresh_everything(conn)
    # A preset that knows nothing about taste: newest first.
    conn.execute("""UPDATE pgrec.strategies SET weights = '{"recency": 1}' WHERE name IN ('default', 'cold_start')""")
    events_before = query(conn, "SELECT count(*), sum(id) FROM pgrec.events")
    result = run_tune(conn)
    assert result.tuned and result.better, result.message
    metrics = result.metrics
    assert metrics["ndcg@20"] > metrics["preset_ndcg@20"] + 0.05 and metrics["validation_users"] >= 60
    assert personal_share(result.weights) > 0.5
    # The replay held events out and refitted in a transaction it rolled back: nothing lost.
    assert query(conn, "SELECT count(*), sum(id) FROM pgrec.events") == events_before
    # Now the feed without a strategy serves the fitted blend, newcomers its cold part.
    assert served(conn, "u4") == served(conn, "u4", "tuned")
    stored = dict(query(conn, "SELECT name, cold_start FROM pgrec.strategies WHERE tuned_from IS NOT NULL"))
    assert stored == {"tuned": "tuned_cold", "tuned_cold": None}


def test_a_fit_that_does_not_beat_the_preset_is_never_served(conn, monkeypatch: pytest.MonkeyPatch) -> None:
    taste_world(conn)
    refresh_everything(conn)
    default_before = served(conn, "u4")
    # Whatever the search finds, make it a bad blend: newest first.
    monkeypatch.setattr(tuning, "search_weights", lambda pools, rows, starts, rounds=4: ({"recency": 1.0}, 0.0))
    result = run_tune(conn)
    assert result.tuned and not result.better and "NOT served" in result.message
    assert result.metrics["ndcg@20"] < result.metrics["preset_ndcg@20"]
    # Stored for inspection, but a feed without a strategy still serves default.
    assert query(conn, "SELECT (metrics ->> 'better')::boolean FROM pgrec.strategies WHERE name = 'tuned'") == [(False,)]
    assert served(conn, "u4") == default_before == served(conn, "u4", "default")


def test_tuning_is_deterministic(conn) -> None:
    taste_world(conn)
    refresh_everything(conn)
    first = run_tune(conn)
    second = run_tune(conn)
    assert (first.weights, first.cold_weights) == (second.weights, second.cold_weights)
    assert {k: v for k, v in first.metrics.items() if k != "as_of"} == \
        {k: v for k, v in second.metrics.items() if k != "as_of"}


def test_different_worlds_get_different_blends(conn) -> None:
    taste_world(conn)
    refresh_everything(conn)
    taste = run_tune(conn)
    conn.rollback()
    popularity_world(conn)
    refresh_everything(conn)
    popular = run_tune(conn)
    assert personal_share(taste.weights) > personal_share(popular.weights) + 0.2


def test_a_replay_transaction_cannot_commit(fresh_db: str) -> None:
    from app.db import connect

    with connect(fresh_db) as conn:
        at_now = iso(NOW)
        conn.execute("SELECT set_config('rec.as_of', %s, false)", (at_now,))
        upsert_items(conn, [{"id": f"i{n}"} for n in range(6)])
        track(conn, [{"user_id": f"u{u}", "item_id": f"i{n}", "type": "like", "at": iso(NOW - timedelta(hours=n + 1))}
                     for u in range(4) for n in range(6)])
        before = query(conn, "SELECT count(*) FROM pgrec.events")
        conn.autocommit = False
        held = query(conn, "SELECT user_id, cold, kept, held_out FROM rec.replay_split(10, 0)")
        assert len(held) == 4 and all(kept == 5 and len(out) == 1 for _, _, kept, out in held)
        assert query(conn, "SELECT count(*) FROM pgrec.events") == [(before[0][0] - 4,)]
        # A second slice in the same transaction is refused; committing is impossible.
        assert sqlstate_of(conn, lambda: conn.execute("SELECT * FROM rec.replay_split()")).sqlstate == "25000"
        with pytest.raises(psycopg.errors.InvalidTransactionState):
            conn.commit()
        conn.autocommit = True
        assert query(conn, "SELECT count(*) FROM pgrec.events") == before


@pytest.mark.parametrize("args, field", [
    ("-1, 0", "users"), ("10, NULL", "cold_users"), ("10, 0, 1.5", "share"), ("10, 0, 0.2, 0", "cold_keep"),
])
def test_replay_split_validates_its_arguments(conn, args: str, field: str) -> None:
    error = sqlstate_of(conn, lambda: conn.execute(f"SELECT * FROM rec.replay_split({args})"))
    assert error.sqlstate == "22023" and field in error.diag.message_primary
