"""Incremental refresh: after new, late, deleted and re-weighted events, moved clocks and written
embeddings, an incremental run of each step leaves exactly what a full rebuild computes from the
same data; the run log says which mode ran and why."""

from __future__ import annotations

import random
from datetime import timedelta

import psycopg
import pytest

from app.db import connect

from tests.helpers import DIM, NOW, embed, iso, query, track, upsert_items

INCREMENTAL_STEPS = ("stats", "itemknn", "transitions", "user_vectors")

#: Derived tables and the columns that must agree (computed_at: when, not what).
TABLES = {
    "item_stats": "SELECT * FROM pgrec.item_stats ORDER BY item_id",
    "creator_stats": "SELECT * FROM pgrec.creator_stats ORDER BY creator_id",
    "tag_top_items": "SELECT * FROM pgrec.tag_top_items ORDER BY tag_id, rank",
    "monthly_top_items": "SELECT * FROM pgrec.monthly_top_items ORDER BY month",
    "item_transitions": "SELECT * FROM pgrec.item_transitions ORDER BY item_id, next_item_id",
    "user_transitions": "SELECT * FROM pgrec.user_transitions ORDER BY user_id, item_id, next_item_id",
    "itemknn": "SELECT item_id, neighbor_id, score FROM pgrec.item_neighbors WHERE source = 'itemknn' "
               "ORDER BY item_id, neighbor_id",
    "itemknn_interactions": "SELECT * FROM pgrec.itemknn_interactions ORDER BY user_id, item_id",
    # The model row's totals (an incremental run derives them from its per-user counts).
    "itemknn_model": "SELECT training_events, users, items_covered, metrics ->> 'pairs' FROM pgrec.models "
                     "WHERE name = 'itemknn'",
    # The sums itemknn and transitions keep (an incremental run moves them by what changed).
    "transition_pairs": "SELECT * FROM pgrec.transition_pairs ORDER BY item_id, next_item_id",
    "itemknn_users": "SELECT * FROM pgrec.itemknn_users ORDER BY user_id",
    "itemknn_items": "SELECT item_id, degree::float8, users, walks FROM pgrec.itemknn_items ORDER BY item_id",
    "user_vectors": "SELECT user_id, embedding::text, items, last_event_at FROM pgrec.user_vectors ORDER BY user_id",
}


def rounded(value):
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, str) and value.startswith("["):
        return tuple(float(f"{float(x):.5g}") for x in value[1:-1].split(","))
    if isinstance(value, list):
        return tuple(rounded(v) for v in value)
    return value


def derived(conn: psycopg.Connection) -> dict[str, list[tuple]]:
    return {name: [tuple(rounded(v) for v in row) for row in query(conn, sql)] for name, sql in TABLES.items()}


def clock(conn: psycopg.Connection, moment) -> None:
    conn.execute("SELECT set_config('rec.as_of', %s, false)", (iso(moment),))


def refresh_steps(conn: psycopg.Connection, full: bool = False) -> dict[str, str]:
    """Run the incremental steps by name; returns each run's detail from the run log."""
    details = {}
    for step in INCREMENTAL_STEPS:
        outcome = query(conn, "SELECT outcome FROM rec.refresh(%s, %s)", (step, full))[0][0]
        assert outcome == "ok", step
        details[step] = query(conn, "SELECT detail FROM pgrec.refresh_runs WHERE step = %s ORDER BY id DESC LIMIT 1",
                              (step,))[0][0]
    return details


def unit(rng: random.Random) -> str:
    values = [rng.gauss(0, 1) for _ in range(DIM)]
    return "[" + ",".join(f"{v:.4f}" for v in values) + "]"


def events(rng: random.Random, users, items, start, days: float, n: int) -> list[dict]:
    types = ["view", "view", "click", "like", "save", "share", "complete", "dismiss", "rate"]
    out = []
    for _ in range(n):
        kind = rng.choice(types)
        event = {"user_id": f"u{rng.choice(users)}", "item_id": f"i{rng.choice(items)}", "type": kind,
                 "at": iso(start + timedelta(hours=rng.uniform(0, days * 24)))}
        if kind == "rate":
            event["value"] = rng.choice([1, 2, 3, 4, 5])
        out.append(event)
    return out


@pytest.fixture
def world(fresh_db: str):
    """A catalogue with creators, tags and embeddings, 40 users and two months of events,
    refreshed in full at NOW - 10 days; itemknn may spend any budget on its incremental runs, so
    its rows are exact too."""
    rng = random.Random(7)
    with connect(fresh_db) as conn:
        start = NOW - timedelta(days=70)
        upsert_items(conn, [{"id": f"i{k}", "tags": [f"topic:{k % 4}", f"level:{k % 3}"], "creator_id": f"c{k % 5}",
                             "created_at": iso(start - timedelta(days=1))} for k in range(30)])
        for k in range(0, 30, 2):
            embed(conn, f"i{k}", unit(rng))
        track(conn, events(rng, range(40), range(30), start, 60, 1500))
        conn.execute("SELECT rec.set_model_parameters('itemknn', %s::jsonb)",
                     ('{"incremental_walks": 1e10, "incremental_min_change": 0}',))
        clock(conn, NOW - timedelta(days=10))
        details = refresh_steps(conn)
        assert all(d.startswith("full (no earlier run") for d in details.values()), details
        yield conn, rng


def test_incremental_runs_equal_a_full_rebuild_after_every_kind_of_change(world) -> None:
    conn, rng = world
    # Ten days later: new events of known and new users, on known and new items; an event dated
    # ahead of the clock (counted once the clock reaches it); a user forgotten; an item deleted
    # with its events; an embedding written; windows (7/14 days, 180 days) moved by the clock.
    clock(conn, NOW)
    upsert_items(conn, [{"id": f"i{k}", "tags": [f"topic:{k % 4}"], "creator_id": f"c{k % 5}",
                         "created_at": iso(NOW - timedelta(days=9))} for k in range(30, 34)])
    track(conn, events(rng, range(30, 60), range(34), NOW - timedelta(days=10), 10, 400))
    track(conn, [{"user_id": "u3", "item_id": "i31", "type": "like", "at": iso(NOW + timedelta(hours=6))}])
    conn.execute("SELECT rec.forget_user('u5')")
    conn.execute("DELETE FROM pgrec.items WHERE external_id = 'i7'")
    embed(conn, "i1", unit(rng))
    embed(conn, "i2", unit(rng))

    details = refresh_steps(conn)
    assert all(d.startswith("incremental") for d in details.values()), details
    incremental = derived(conn)
    assert all(incremental[name] for name in TABLES), {n: len(r) for n, r in incremental.items()}
    # The newest event the model read: not the one dated ahead of the clock, which it did not.
    newest = "SELECT max(id) FROM pgrec.events WHERE occurred_at <= rec.now()"
    assert query(conn, "SELECT last_event_id FROM pgrec.models WHERE name = 'itemknn'") == query(conn, newest)
    assert query(conn, newest) < query(conn, "SELECT max(id) FROM pgrec.events")
    # The kept sums are exactly the stored strengths' (numeric degrees: no rounding drift).
    assert query(conn, "SELECT item_id, degree, users, walks FROM pgrec.itemknn_items ORDER BY 1") == query(conn, """
        SELECT x.item_id, sum(x.strength::numeric), count(*), sum(u.items)::bigint FROM pgrec.itemknn_interactions x
        JOIN (SELECT user_id, count(*) AS items FROM pgrec.itemknn_interactions GROUP BY 1) u USING (user_id)
        GROUP BY 1 ORDER BY 1""")
    assert query(conn, "SELECT * FROM pgrec.transition_pairs ORDER BY 1, 2") == query(
        conn, "SELECT item_id, next_item_id, count(*) FROM pgrec.user_transitions GROUP BY 1, 2 ORDER BY 1, 2")
    details = refresh_steps(conn, full=True)
    assert all(d.startswith("full (requested)") for d in details.values()), details
    assert derived(conn) == incremental

    # Later still: the early event is now in the past, and a second incremental run (continuing
    # from the full one) still agrees with a rebuild.
    track(conn, events(rng, [u for u in range(60) if u != 5], [i for i in range(34) if i != 7], NOW, 0.5, 100))
    clock(conn, NOW + timedelta(hours=12))
    assert all(d.startswith("incremental") for d in refresh_steps(conn).values())
    assert query(conn, "SELECT last_event_id FROM pgrec.models WHERE name = 'itemknn'") == query(conn, newest)
    incremental = derived(conn)
    refresh_steps(conn, full=True)
    assert derived(conn) == incremental


def test_a_run_with_nothing_new_changes_nothing_and_says_so(world) -> None:
    conn, _ = world
    before = derived(conn)
    details = refresh_steps(conn)
    assert derived(conn) == before
    assert details["stats"] == "incremental: 0 new events, 0 items with deleted events recomputed"
    assert details["transitions"].startswith("incremental: 0 users recomputed")


def test_reweighting_an_event_type_or_a_model_parameter_makes_the_next_run_full(world) -> None:
    conn, _ = world
    conn.execute("UPDATE pgrec.event_types SET weight = 6 WHERE type = 'like'")
    details = refresh_steps(conn)
    assert all(d.startswith("full (its inputs changed)") for d in details.values()), details
    conn.execute("SELECT rec.set_model_parameters('itemknn', '{\"min_support\": 3}')")
    assert refresh_steps(conn)["itemknn"].startswith("full (its inputs changed)")
    # The incremental budget is not an input: changing it keeps the run incremental.
    conn.execute("SELECT rec.set_model_parameters('itemknn', '{\"incremental_walks\": 5e9}')")
    assert refresh_steps(conn)["itemknn"].startswith("incremental")


def test_full_every_bounds_how_long_runs_stay_incremental(world) -> None:
    conn, _ = world
    conn.execute("UPDATE pgrec.refresh_steps SET full_every = '1 microsecond' WHERE step = 'transitions'")
    details = refresh_steps(conn)
    assert details["transitions"].startswith("full (the last full rebuild is older than")
    assert details["stats"].startswith("incremental")
    conn.execute("UPDATE pgrec.refresh_steps SET full_every = NULL WHERE step = 'stats'")
    assert refresh_steps(conn)["stats"].startswith("full (the step rebuilds on every run")


def test_itemknn_within_a_small_budget_recomputes_the_most_changed_rows_and_counts_the_rest(world) -> None:
    conn, rng = world
    conn.execute("SELECT rec.set_model_parameters('itemknn', '{\"incremental_walks\": 1, \"incremental_min_change\": 0}')")
    clock(conn, NOW)
    track(conn, events(rng, range(40), range(30), NOW - timedelta(days=9), 9, 200))
    detail = refresh_steps(conn)["itemknn"]
    # Nothing was deleted, every item has a row: one walk buys no row, so every changed row
    # is left as it was and counted.
    assert detail.startswith("incremental: ") and " 0 rows recomputed (0 with deleted events)" in detail, detail
    stale = int(detail.split(", ")[-1].split(" ")[0])
    assert stale > 0
    # The model row counts every stored strength and user, not only those of the rows it redid.
    assert query(conn, "SELECT training_events, users FROM pgrec.models WHERE name = 'itemknn'") == query(
        conn, "SELECT count(*), count(DISTINCT user_id) FROM pgrec.itemknn_interactions")


def test_itemknn_spends_its_budget_in_walks_counted_not_estimated(world) -> None:
    """incremental_walks buys the rows whose pair counting costs that many user-item-item
    walks. An item's walks are its users' item counts: with many one-item users the mean
    history is short, and an estimate of users times the mean would buy rows of items whose
    users have long histories for a fraction of what they cost."""
    conn, _ = world
    clock(conn, NOW - timedelta(days=1))
    track(conn, [{"user_id": f"light{u}", "item_id": "i29", "type": "like", "at": iso(NOW - timedelta(days=9))}
                 for u in range(300)])
    refresh_steps(conn)
    budget = 300
    conn.execute("SELECT rec.set_model_parameters('itemknn', %s::jsonb)",
                 (f'{{"incremental_walks": {budget}, "incremental_min_change": 0}}',))
    clock(conn, NOW)
    track(conn, [{"user_id": "newcomer", "item_id": f"i{k}", "type": "like", "at": iso(NOW - timedelta(hours=k))}
                 for k in range(10)])
    detail = refresh_steps(conn)["itemknn"]
    walks = dict(query(conn, "SELECT x.item_id, sum(u.items) FROM pgrec.itemknn_interactions x JOIN "
                             "(SELECT user_id, count(*) AS items FROM pgrec.itemknn_interactions GROUP BY user_id) u "
                             "USING (user_id) GROUP BY x.item_id"))
    redone = [i for (i,) in query(conn, "SELECT item_id FROM pgrec.itemknn_rows WHERE computed_at = %s", (NOW,))]
    assert "(0 with deleted events)" in detail and not detail.endswith(" 0 rows with a changed degree left as they were")
    assert sum(walks[i] for i in redone) <= budget, (redone, [walks[i] for i in redone], detail)


def test_a_forgotten_user_stops_counting_at_the_next_incremental_run(world) -> None:
    conn, _ = world
    conn.execute("SELECT rec.set_model_parameters('itemknn', '{\"incremental_walks\": 1}')")
    before = dict(query(conn, "SELECT item_id, positive_users FROM pgrec.item_stats"))
    history = query(conn, "SELECT e.item_id, bool_or(e.polarity > 0) FROM pgrec.weighted_events e "
                          "JOIN pgrec.users u ON u.id = e.user_id WHERE u.external_id = 'u4' GROUP BY 1")
    liked = [i for i, positive in history if positive]
    conn.execute("SELECT rec.forget_user('u4')")
    details = refresh_steps(conn)
    assert all(d.startswith("incremental") for d in details.values()), details
    after = dict(query(conn, "SELECT item_id, positive_users FROM pgrec.item_stats"))
    assert liked and all(after.get(i, 0) == before[i] - 1 for i in liked)
    # Even within a one-walk budget, itemknn recomputes the rows of the forgotten user's items
    # at once (other rows may keep a neighbour's old degree until their turn or full_every).
    touched = {i for i, _ in history}
    incremental = [r for r in derived(conn)["itemknn"] if r[0] in touched]
    refresh_steps(conn, full=True)
    assert incremental and [r for r in derived(conn)["itemknn"] if r[0] in touched] == incremental


def test_an_upgraded_installation_fills_the_kept_sums_with_a_full_run(world, fresh_db: str) -> None:
    """Revision 0012 adds the kept sums empty: the next itemknn and transitions runs must be
    full, not move empty sums by a difference."""
    from app.schema import downgrade, migrate

    conn, rng = world
    states = query(conn, "SELECT * FROM pgrec.refresh_state WHERE step IN ('itemknn', 'transitions')")
    conn.close()
    downgrade(fresh_db, "0011")
    with connect(fresh_db) as conn:  # as revision 0011 left it: the steps' kept rows and state
        for state in states:
            conn.execute("INSERT INTO pgrec.refresh_state VALUES (%s)" % ", ".join(["%s"] * len(state)), state)
    migrate(fresh_db)
    with connect(fresh_db) as conn:
        assert query(conn, "SELECT count(*) FROM pgrec.itemknn_items") == [(0,)]
        assert query(conn, "SELECT count(*) FROM pgrec.transition_pairs") == [(0,)]
        clock(conn, NOW)
        track(conn, events(rng, range(40), range(30), NOW - timedelta(days=1), 1, 50))
        for step in ("itemknn", "transitions"):
            assert query(conn, "SELECT outcome FROM rec.refresh(%s)", (step,)) == [("ok",)]
            detail = query(conn, "SELECT detail FROM pgrec.refresh_runs WHERE step = %s ORDER BY id DESC LIMIT 1", (step,))
            assert detail[0][0].startswith("full (no earlier run"), (step, detail)
        assert query(conn, "SELECT count(*), sum(users) FROM pgrec.itemknn_items") == query(
            conn, "SELECT count(DISTINCT item_id), count(*) FROM pgrec.itemknn_interactions")
        assert query(conn, "SELECT sum(users) FROM pgrec.transition_pairs") == query(
            conn, "SELECT count(*) FROM pgrec.user_transitions")


def test_a_forgotten_users_transitions_stop_counting_at_the_next_incremental_run(world) -> None:
    """Their paths go with the user (the foreign key), so no difference shows them: the items
    their events started from are recounted all the same."""
    conn, _ = world
    paths = query(conn, "SELECT t.item_id, t.next_item_id FROM pgrec.user_transitions t "
                        "JOIN pgrec.users u ON u.id = t.user_id WHERE u.external_id = 'u4'")
    before = dict(((i, j), n) for i, j, n in query(conn, "SELECT item_id, next_item_id, users FROM pgrec.item_transitions"))
    counted = [p for p in paths if p in before]
    conn.execute("SELECT rec.forget_user('u4')")
    assert refresh_steps(conn)["transitions"].startswith("incremental")
    after = dict(((i, j), n) for i, j, n in query(conn, "SELECT item_id, next_item_id, users FROM pgrec.item_transitions"))
    assert counted and all(after.get(p, 1) == before[p] - 1 for p in counted), [(p, before[p], after.get(p)) for p in counted]
    incremental = derived(conn)["item_transitions"]
    refresh_steps(conn, full=True)
    assert derived(conn)["item_transitions"] == incremental
