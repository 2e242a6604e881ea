"""The fitted models: the SQL item-item model (itemknn), EASE and ALS, each a refresh step that
must order items correctly on a world built to show it, and what serving reads of them."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest

from app.models.ease import ease_weights
from app.refresh import refresh as run_steps
from tests.helpers import NOW, ago, at, explain, feed_ids, iso, query, refresh, track, upsert_items

GROUP_A = [f"a{n}" for n in range(1, 9)]
GROUP_B = [f"b{n}" for n in range(1, 9)]


def taste_world(conn, users: int = 40, when=NOW - timedelta(days=3)) -> None:
    """Two taste groups: even users like four of the a-items, odd users four of the b-items
    (a rotating window, so every pair of items of a group is shared by some users); everyone
    has viewed the blockbuster p. "me" liked a1 and a2 only."""
    at(conn)
    upsert_items(conn, [{"id": i, "tags": ["category:a" if i[0] == "a" else "category:b"],
                         "created_at": ago(days=400)} for i in GROUP_A + GROUP_B + ["p"]])
    events = []
    for u in range(users):
        group = GROUP_A if u % 2 == 0 else GROUP_B
        for k in range(4):
            events.append({"user_id": f"u{u}", "item_id": group[(u // 2 + k) % 8], "type": "like",
                           "at": iso(when - timedelta(hours=u + k))})
        events.append({"user_id": f"u{u}", "item_id": "p", "type": "view", "at": iso(when - timedelta(hours=u))})
    events += [{"user_id": "me", "item_id": i, "type": "like", "at": iso(when)} for i in ("a1", "a2")]
    track(conn, events)


def fit(conn, step: str) -> None:
    """Run one refresh step the way `pgrec refresh` does (Python steps included)."""
    (run,) = run_steps(conn, step)
    assert run.outcome == "ok", run.detail


def model(conn, name: str) -> dict:
    row = conn.execute("SELECT to_jsonb(m) FROM rec.models() AS m WHERE m.name = %s", (name,)).fetchone()
    return row[0]


def candidates(conn, user: str, name: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT i.external_id FROM pgrec.user_candidates c JOIN pgrec.users u ON u.id = c.user_id, "
        "unnest(c.items) WITH ORDINALITY AS t(id, n) JOIN pgrec.items i ON i.id = t.id "
        "WHERE u.external_id = %s AND c.model = %s ORDER BY t.n", (user, name))]


def group_first(order: list[str], group: list[str], other: list[str]) -> bool:
    """Every item of `group` in the order comes before every item of `other`."""
    ranks = {item: n for n, item in enumerate(order)}
    mine = [ranks[i] for i in group if i in ranks]
    theirs = [ranks[i] for i in other if i in ranks]
    return bool(mine) and (not theirs or max(mine) < min(theirs))


def test_ease_weights_are_the_closed_form() -> None:
    x = np.zeros((3, 3), np.float32)
    x[[0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 2, 0, 1, 2]] = 1
    p = np.linalg.inv(x.T @ x + np.eye(3))
    expected = -p / np.diag(p)
    np.fill_diagonal(expected, 0)
    assert np.allclose(ease_weights(x.T @ x, 1.0), expected, atol=1e-5)


def rp3beta(pairs: dict[tuple[str, str], float], beta: float) -> dict[tuple[str, str], float]:
    """Reference RP3beta: w(i, j) = sum_u r(u,i)/d(i) x r(u,j)/e(u), divided by d(j)^beta."""
    from collections import defaultdict

    degree, energy, by_user = defaultdict(float), defaultdict(float), defaultdict(dict)
    for (user, item), r in pairs.items():
        degree[item] += r
        energy[user] += r
        by_user[user][item] = r
    weights: dict[tuple[str, str], float] = defaultdict(float)
    for user, items in by_user.items():
        for i, ri in items.items():
            for j, rj in items.items():
                if i != j:
                    weights[(i, j)] += ri / degree[i] * rj / energy[user]
    return {(i, j): w / degree[j] ** beta for (i, j), w in weights.items()}


def test_itemknn_is_rp3beta_over_every_event_type_and_all_history(conn) -> None:
    at(conn)
    upsert_items(conn, [{"id": i, "created_at": ago(days=900)} for i in ("x", "y", "z", "p")])
    pairs: dict[tuple[str, str], float] = {}
    events = []

    def event(user: str, item: str, type_: str, days: float) -> None:
        events.append({"user_id": user, "item_id": item, "type": type_, "at": ago(days=days)})
        pairs[(user, item)] = max(pairs.get((user, item), 0), 1.0 if type_ == "like" else 0.5)

    for u in range(60):  # everyone liked the blockbuster p, two years ago: no window forgets it
        event(f"u{u}", "p", "like", 700)
    for u in range(20):  # x and y liked together
        event(f"u{u}", "x", "like", 700)
        event(f"u{u}", "y", "like", 700)
    for u in range(20, 40):  # x liked, z only viewed (a view counts half a like)
        event(f"u{u}", "x", "like", 700)
        event(f"u{u}", "z", "view", 700)
    event("me", "x", "like", 1)
    track(conn, events)
    assert refresh(conn, "itemknn") == {"itemknn": "ok"}
    parameters = model(conn, "itemknn")["parameters"]
    assert parameters["strengths"]["view"] == 0.5 and parameters["min_support"] == 2
    # Each user's history decays from their own latest event; here every event of a user is
    # from the same moment, so strengths are the types' strengths.
    expected = rp3beta(pairs, parameters["beta"])
    stored = {(i, j): s for i, j, s in query(conn, """
        SELECT i.external_id, j.external_id, n.score FROM pgrec.item_neighbors n
        JOIN pgrec.items i ON i.id = n.item_id JOIN pgrec.items j ON j.id = n.neighbor_id
        WHERE n.source = 'itemknn'""")}
    # Pairs with fewer than min_support users in common are not kept (me's lone x is one user).
    assert set(stored) == {k for k in expected if k in {("x", "y"), ("y", "x"), ("x", "z"), ("z", "x"),
                                                         ("x", "p"), ("p", "x"), ("y", "p"), ("p", "y"),
                                                         ("z", "p"), ("p", "z")}}
    for key, score in stored.items():
        assert score == pytest.approx(expected[key], rel=1e-5), key
    # The blockbuster's popularity is discounted (d^beta), but it shares twice the users with
    # x; y (liked with x) beats z (only viewed with x).
    ranked = sorted((s, j) for (i, j), s in stored.items() if i == "x")
    assert [j for _, j in reversed(ranked)] == feed_ids(conn, "me", weights={"collaborative": 1})[:3]
    assert stored[("x", "y")] > stored[("x", "z")]
    facts = model(conn, "itemknn")
    assert facts["items_covered"] == 4 and facts["training_events"] == len(events)


def test_a_deleted_item_takes_its_neighbour_rows_both_ways(conn) -> None:
    """pgrec.item_neighbors has no foreign keys (a refresh would check each of millions of rows):
    a statement trigger deletes a deleted item's rows, as item and as neighbour, of every model,
    and rec.forget_user's deleted items go the same way."""
    taste_world(conn)
    conn.execute("UPDATE pgrec.items SET creator_id = 'u1' WHERE external_id = 'a3'")
    fit(conn, "itemknn")
    fit(conn, "ease")

    def rows_of(item: str) -> dict[str, int]:
        return dict(query(conn, """
            SELECT n.source, count(*) FROM pgrec.item_neighbors n JOIN pgrec.items i ON i.external_id = %s
            WHERE i.id IN (n.item_id, n.neighbor_id) GROUP BY 1""", (item,)))

    def dangling() -> int:
        return query(conn, """SELECT count(*) FROM pgrec.item_neighbors n WHERE NOT EXISTS
            (SELECT FROM pgrec.items i WHERE i.id = n.item_id) OR NOT EXISTS
            (SELECT FROM pgrec.items i WHERE i.id = n.neighbor_id)""")[0][0]

    assert set(rows_of("a1")) == {"itemknn", "ease"} and set(rows_of("a3")) == {"itemknn", "ease"}
    total = query(conn, "SELECT count(*) FROM pgrec.item_neighbors")[0][0]
    gone = sum(rows_of("a1").values())
    conn.execute("DELETE FROM pgrec.items WHERE external_id = 'a1'")
    assert query(conn, "SELECT count(*) FROM pgrec.item_neighbors")[0][0] == total - gone
    assert dangling() == 0
    conn.execute("SELECT rec.forget_user('u1', 'delete')")
    assert query(conn, "SELECT count(*) FROM pgrec.items WHERE external_id = 'a3'")[0][0] == 0
    assert dangling() == 0
    # The next fits write no row of them either.
    fit(conn, "itemknn")
    fit(conn, "ease")
    assert dangling() == 0 and rows_of("a2")


def test_ease_fits_its_own_regularisation_and_serves_each_users_best_unseen_items(conn) -> None:
    taste_world(conn)
    fit(conn, "ease")
    facts = model(conn, "ease")
    grid = {float(v) for v in facts["metrics"]["ndcg@20"]}
    assert facts["metrics"]["lambda"] in grid and len(grid) >= 4 and facts["metrics"]["validation_users"] > 0
    assert facts["items_covered"] == 17 and facts["users"] == 41
    mine = candidates(conn, "me", "ease")
    assert "a1" not in mine and "a2" not in mine  # never what the user already has
    assert group_first(mine, GROUP_A[2:], GROUP_B)
    # The feed follows the model: its first item is the model's best, and among the items the
    # model scores, the user's own taste comes first.
    order = feed_ids(conn, "me", weights={"ease": 1})
    assert order[0] == mine[0] and explain(conn, "me", order[0])["signals"]["ease"] == 1
    assert group_first([i for i in order if i in mine], GROUP_A, GROUP_B)


def test_ease_adds_what_a_user_liked_since_the_fit(conn) -> None:
    taste_world(conn)
    fit(conn, "ease")
    ease_of = lambda item: explain(conn, "me", item)["signals"]["ease"]
    assert all(ease_of(b) == 0 for b in GROUP_B)
    track(conn, [{"user_id": "me", "item_id": "b1", "type": "like", "at": iso(NOW - timedelta(hours=1))}])
    # b1's EASE neighbours (the other b-items) join the user's list at once, before any refit,
    # because of b1.
    lifted = [b for b in GROUP_B[1:] if ease_of(b) > 0]
    assert len(lifted) >= 3
    assert {explain(conn, "me", b)["details"]["because_you_liked"] for b in lifted} == {"b1"}
    # A user the fit never saw is served from the neighbour rows of what they liked.
    track(conn, [{"user_id": "newcomer", "item_id": "b2", "type": "like", "at": iso(NOW - timedelta(hours=1))}])
    assert set(feed_ids(conn, "newcomer", weights={"ease": 1})[:3]) <= set(GROUP_B)


def test_als_stores_factors_and_ranks_each_taste_first(conn) -> None:
    taste_world(conn, users=60)
    fit(conn, "als")
    facts = model(conn, "als")
    assert facts["items_covered"] == 17 and facts["metrics"]["regularization"] > 0
    assert query(conn, "SELECT count(*), min(vector_dims(factor)) FROM pgrec.item_factors") == [(17, 64)]
    assert query(conn, "SELECT count(*) FROM pgrec.user_factors") == [(61,)]
    mine = candidates(conn, "me", "als")
    assert group_first(mine, GROUP_A[2:], GROUP_B) and not {"a1", "a2"} & set(mine)
    assert feed_ids(conn, "me", weights={"als": 1})[0] == mine[0]
    # Someone the fit did not see: the items nearest the mean factor of what they liked (HNSW).
    track(conn, [{"user_id": "later", "item_id": i, "type": "like", "at": iso(NOW - timedelta(hours=1))}
                 for i in ("b1", "b2")])
    top = feed_ids(conn, "later", weights={"als": 1})[:3]
    assert set(top) <= set(GROUP_B[2:]) | {"p"} and len(set(top) & set(GROUP_B)) >= 2  # p: everyone's


def test_a_model_step_writes_its_vectors_through_a_plain_connection(fresh_db) -> None:
    """A caller of app.refresh may hand it a connection without pgvector's adapter (a script's
    psycopg.connect): the step registers it itself rather than failing on its first vector."""
    import psycopg

    with psycopg.connect(fresh_db, autocommit=True) as plain:
        taste_world(plain, users=20)
        (run,) = run_steps(plain, "als")
        assert run.outcome == "ok", run.detail
        assert query(plain, "SELECT count(*) > 0 FROM pgrec.item_factors") == [(True,)]


def test_model_fits_are_reproducible(conn) -> None:
    taste_world(conn)
    fit(conn, "als")
    first = query(conn, "SELECT item_id, factor::text FROM pgrec.item_factors ORDER BY item_id")
    fit(conn, "als")
    assert query(conn, "SELECT item_id, factor::text FROM pgrec.item_factors ORDER BY item_id") == first


def test_a_model_refuses_nothing_on_an_empty_installation(conn) -> None:
    for step in ("itemknn", "ease", "als"):
        fit(conn, step)
    assert query(conn, "SELECT count(*) FROM pgrec.item_neighbors") == [(0,)]
    assert "too little data" in model(conn, "ease")["metrics"]["note"] or model(conn, "ease")["items_covered"] == 0


def test_model_parameters_are_validated(conn) -> None:
    from tests.helpers import sqlstate_of

    assert sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.set_model_parameters('nope', '{}')")).sqlstate == "22023"
    assert sqlstate_of(conn, lambda: conn.execute(
        "SELECT rec.set_model_parameters('ease', '[1]')")).sqlstate == "22023"
    assert sqlstate_of(conn, lambda: conn.execute(
        "SELECT * FROM rec.model_interactions('nope')")).sqlstate == "22023"
    merged = conn.execute("SELECT rec.set_model_parameters('ease', '{\"max_items\": 100}')").fetchone()[0]
    assert merged["max_items"] == 100 and "lambdas" in merged
