"""A/B experiments in SQL: deterministic assignment by user, the feed serving a variant's
strategy, impressions, the report's counts and intervals, and the operations' validation."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import timedelta
from typing import Any

import psycopg
import pytest

from tests.helpers import NOW, ago, at, call, feed, iso, query, refresh, sqlstate_of, track

Z = 1.959963984540054


def upsert(conn: psycopg.Connection, experiment: dict[str, Any]) -> dict[str, Any]:
    return call(conn, "upsert_experiment", experiment)


def variant_of(conn: psycopg.Connection, experiment: str, user: str) -> tuple[str, str, bool]:
    return conn.execute("SELECT * FROM rec.experiment_variant(%s, %s)", (experiment, user)).fetchone()


def log(conn: psycopg.Connection, request: str, user: str, items: list[str], experiment: str | None = None,
        variant: str | None = None, strategy: str | None = None) -> int:
    return conn.execute("SELECT rec.log_impressions(%s, %s, %s, %s, %s, %s)",
                        (request, user, items, experiment, variant, strategy)).fetchone()[0]


def report(conn: psycopg.Connection, experiment: str, attribution: str = "24 hours") -> dict[str, dict[str, Any]]:
    cur = conn.execute("SELECT * FROM rec.experiment_report(%s, %s::interval)", (experiment, attribution))
    names = [c.name for c in cur.description]
    return {row[0]: dict(zip(names, row)) for row in cur.fetchall()}


def wilson(successes: int, trials: int) -> tuple[float, float]:
    p, n = successes / trials, trials
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def difference(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    p1, p2 = x1 / n1, x2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2 - Z * se, p1 - p2 + Z * se


SPLIT = {"name": "split", "starts_at": ago(days=1),
         # Given out of name order: users are split in name order (control, treat_a, treat_b).
         "variants": [{"name": "treat_b", "strategy": "marketplace", "share": 0.2},
                      {"name": "control", "strategy": "default", "share": 0.5},
                      {"name": "treat_a", "strategy": "explore", "share": 0.3}]}


# --- assignment -------------------------------------------------------------------------------

def test_the_bucket_is_the_documented_hash(conn: psycopg.Connection) -> None:
    for experiment, user in [("split", "u1"), ("split", "u2"), ("other", "u1"), ("split", "Ünïcode user")]:
        expected = int(hashlib.sha256(f"{experiment}:{user}".encode()).hexdigest()[:13], 16) / 2**52
        got = conn.execute("SELECT rec._experiment_bucket(%s, %s)", (experiment, user)).fetchone()[0]
        assert got == expected and 0 <= got < 1


def test_assignment_is_deterministic_and_follows_the_shares(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, SPLIT)
    assign = ("SELECT g, v.variant FROM generate_series(1, 20000) AS g "
              "CROSS JOIN LATERAL rec.experiment_variant(%s, 'user-' || g) AS v ORDER BY g")
    first = dict(query(conn, assign, ("split",)))
    assert dict(query(conn, assign, ("split",))) == first  # the same answer twice
    counts = {v: sum(1 for x in first.values() if x == v) for v in ("control", "treat_a", "treat_b")}
    assert sum(counts.values()) == 20000
    for variant, share in (("control", 0.5), ("treat_a", 0.3), ("treat_b", 0.2)):
        assert abs(counts[variant] / 20000 - share) < 0.02, counts

    # Exactly the documented rule: cumulative shares in name order against the hash bucket.
    for g in range(1, 300):
        bucket = int(hashlib.sha256(f"split:user-{g}".encode()).hexdigest()[:13], 16) / 2**52
        expected = "control" if bucket < 0.5 else "treat_a" if bucket < 0.8 else "treat_b"
        assert first[g] == expected

    # Another experiment name reshuffles: agreement is what independent draws give
    # (0.5² + 0.3² + 0.2² = 0.38), not 1.
    upsert(conn, {**SPLIT, "name": "split_again"})
    again = dict(query(conn, assign, ("split_again",)))
    agreement = sum(first[g] == again[g] for g in first) / 20000
    assert 0.34 < agreement < 0.42


def test_strategies_of_the_variants_come_with_the_assignment(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, SPLIT)
    strategies = {"control": "default", "treat_a": "explore", "treat_b": "marketplace"}
    for g in range(20):
        variant, strategy, running = variant_of(conn, "split", f"user-{g}")
        assert strategies[variant] == strategy and running is True


def test_outside_its_window_everyone_gets_the_control_variant(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, {**SPLIT, "starts_at": iso(NOW + timedelta(days=1))})
    users = [f"user-{g}" for g in range(50)]
    assert {variant_of(conn, "split", u) for u in users} == {("control", "default", False)}
    # Running: users spread over the variants.
    at(conn, NOW + timedelta(days=2))
    assert len({variant_of(conn, "split", u)[0] for u in users}) == 3
    # Ended: back to control.
    conn.execute("SELECT rec.end_experiment('split')")
    assert {variant_of(conn, "split", u) for u in users} == {("control", "default", False)}

    # Without a variant named control, the first by name is the control.
    upsert(conn, {"name": "no_control", "starts_at": iso(NOW + timedelta(days=30)),
                  "variants": [{"name": "zeta", "strategy": "default", "share": 0.5},
                               {"name": "alpha", "strategy": "explore", "share": 0.5}]})
    assert {variant_of(conn, "no_control", u) for u in users} == {("alpha", "explore", False)}


def test_assignment_of_an_unknown_experiment_is_p0002(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, SPLIT)
    error = sqlstate_of(conn, lambda: variant_of(conn, "nope", "u1"))
    assert error.sqlstate == "P0002" and "split" in error.diag.message_hint
    assert sqlstate_of(conn, lambda: variant_of(conn, None, "u1")).sqlstate == "22004"
    assert sqlstate_of(conn, lambda: variant_of(conn, "split", None)).sqlstate == "22004"
    assert sqlstate_of(conn, lambda: variant_of(conn, "split", "x" * 201)).sqlstate == "22023"


# --- serving ----------------------------------------------------------------------------------

@pytest.fixture
def world(conn: psycopg.Connection) -> psycopg.Connection:
    """Items in three communities, users with histories, derived data refreshed, and an
    experiment of default against explore."""
    at(conn)
    items = [{"id": f"i{k}", "title": f"Item {k}", "tags": [f"category:c{k % 3}", f"tool:t{k % 5}"],
              "created_at": ago(days=40 - k)} for k in range(30)]
    call(conn, "upsert_items", items)
    events = [{"user_id": f"u{u}", "item_id": f"i{(u * 7 + j) % 30}", "type": "like" if j % 2 else "view",
               "at": ago(days=10 - j)} for u in range(40) for j in range(6)]
    track(conn, events)
    refresh(conn)
    upsert(conn, {"name": "ab", "starts_at": ago(days=1),
                  "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                               {"name": "treat", "strategy": "explore", "share": 0.5}]})
    return conn


def test_the_feed_serves_exactly_what_the_variants_strategy_serves(world: psycopg.Connection) -> None:
    seen = set()
    for u in range(40):
        user = f"u{u}"
        variant, strategy, _ = variant_of(world, "ab", user)
        seen.add(variant)
        served = feed(world, user, 10, strategy="experiment:ab")
        direct = feed(world, user, 10, strategy=strategy)
        # Same items, same scores (to the last few bits: the variant's own call may be answered
        # from the user's precomputed pool, the experiment's by the pipeline).
        assert served and [i for i, _, _ in served] == [i for i, _, _ in direct]
        assert [s for _, s, _ in served] == pytest.approx([s for _, s, _ in direct], rel=1e-12, abs=1e-12)
        for (_, _, tagged), (_, _, plain) in zip(served, direct):
            assert tagged["experiment"] == "ab" and tagged["variant"] == variant
            rest = {k: v for k, v in tagged.items() if k not in ("experiment", "variant", "terms")}
            assert rest == {k: v for k, v in plain.items() if k != "terms"}
            assert tagged["terms"] == pytest.approx(plain["terms"], rel=1e-12, abs=1e-12)
            assert "experiment" not in plain
    assert seen == {"control", "treat"}
    # Pages of an experiment's feed are the variant's pages.
    user = "u3"
    strategy = variant_of(world, "ab", user)[1]
    assert [r[0] for r in feed(world, user, 5, 5, strategy="experiment:ab")] == \
        [r[0] for r in feed(world, user, 5, 5, strategy=strategy)]


def test_explain_follows_the_variant(world: psycopg.Connection) -> None:
    user = "u5"
    strategy = variant_of(world, "ab", user)[1]
    explained = world.execute("SELECT rec.explain(%s, 'i1', 'experiment:ab')", (user,)).fetchone()[0]
    assert explained["strategy"] == strategy


def test_an_unknown_experiment_is_an_invalid_strategy(world: psycopg.Connection) -> None:
    error = sqlstate_of(world, lambda: feed(world, "u1", strategy="experiment:nope"))
    assert error.sqlstate == "22023" and "ab" in error.diag.message_hint
    assert sqlstate_of(world, lambda: feed(world, "u1", strategy="experiment:")).sqlstate == "22023"
    # The variants' blends are what is compared: no weights override.
    error = sqlstate_of(world, lambda: feed(world, "u1", strategy="experiment:ab", weights={"vector": 1}))
    assert error.sqlstate == "22023" and error.diag.message_primary.startswith("weights")
    # Experiments choose feed strategies only: another list does not know them.
    error = sqlstate_of(world, lambda: world.execute("SELECT * FROM rec.similar_items('i1', strategy => 'experiment:ab')"))
    assert error.sqlstate == "22023"


# --- impressions ------------------------------------------------------------------------------

def impressions(conn: psycopg.Connection, request: str) -> list[tuple]:
    return query(conn, """
        SELECT u.external_id, i.external_id, m.position, m.experiment, m.variant, m.strategy, m.served_at
        FROM pgrec.impressions AS m JOIN pgrec.users AS u ON u.id = m.user_id JOIN pgrec.items AS i ON i.id = m.item_id
        WHERE m.request_id = %s ORDER BY m.position""", (request,))


def test_log_impressions_records_the_page_in_order(world: psycopg.Connection) -> None:
    variant, strategy, _ = variant_of(world, "ab", "u1")
    assert log(world, "req-1", "u1", ["i3", "i1", "i2"], "ab") == 3
    assert impressions(world, "req-1") == [("u1", "i3", 1, "ab", variant, strategy, NOW),
                                           ("u1", "i1", 2, "ab", variant, strategy, NOW),
                                           ("u1", "i2", 3, "ab", variant, strategy, NOW)]
    # A retried request adds nothing.
    assert log(world, "req-1", "u1", ["i3", "i1", "i2"], "ab") == 0
    # 'experiment:NAME' as the strategy stands for the experiment; an explicit variant is kept.
    other = "treat" if variant == "control" else "control"
    assert log(world, "req-2", "u1", ["i4"], strategy="experiment:ab", variant=other) == 1
    assert impressions(world, "req-2")[0][3:6] == ("ab", other, "explore" if other == "treat" else "default")
    # Outside experiments: the strategy as given; an empty page logs nothing.
    assert log(world, "req-3", "u1", ["i5"], strategy="popular") == 1
    assert impressions(world, "req-3")[0][3:6] == (None, None, "popular")
    assert log(world, "req-4", "u1", []) == 0
    # A visitor's first page counts: the user is created, as rec.track would.
    assert log(world, "req-5", "newcomer", ["i1"], "ab") == 1
    assert query(world, "SELECT count(*) FROM pgrec.users WHERE external_id = 'newcomer'") == [(1,)]


def test_impressions_go_with_the_user_they_were_shown_to(world: psycopg.Connection) -> None:
    log(world, "req-erase", "u7", ["i1", "i2"], "ab")
    erased = world.execute("SELECT rec.forget_user('u7')").fetchone()[0]
    assert erased["erased"]["impressions"] == 2
    error = sqlstate_of(world, lambda: log(world, "req-after", "u7", ["i1"], "ab"))
    assert error.sqlstate == "22023" and error.diag.message_primary.startswith("user_id")


@pytest.mark.parametrize(("args", "sqlstate", "starts"), [
    (dict(request=None), "22004", "request_id"),
    (dict(request=" "), "22023", "request_id"),
    (dict(request="r" * 201), "22023", "request_id"),
    (dict(user=None), "22004", "user_id"),
    (dict(items=None), "22004", "items"),
    (dict(items=[f"i{k % 30}" for k in range(501)]), "22023", "items"),
    (dict(items=["i1", None]), "22004", "items[2]"),
    (dict(items=["i1", ""]), "22023", "items[2]"),
    (dict(items=["i1", "i2", "i1"]), "22023", "items[3]"),
    (dict(items=["i1", "nope", "i2"]), "P0002", "items[2]"),
    (dict(experiment="nope"), "P0002", "unknown experiment"),
    (dict(variant="control"), "22023", "variant"),
    (dict(experiment="ab", variant="nope"), "22023", "variant"),
    (dict(strategy="nope"), "22023", "strategy"),
    (dict(strategy="experiment:nope"), "P0002", "unknown experiment"),
    (dict(experiment="ab", strategy="experiment:other"), "22023", "strategy"),
])
def test_log_impressions_validates_everything(world: psycopg.Connection, args: dict, sqlstate: str,
                                              starts: str) -> None:
    given = {"request": "req-bad", "user": "u1", "items": ["i1", "i2"], **args}
    error = sqlstate_of(world, lambda: log(world, given.pop("request"), given.pop("user"), given.pop("items"), **given))
    assert error.sqlstate == sqlstate
    assert error.diag.message_primary.startswith(starts), error.diag.message_primary
    assert query(world, "SELECT count(*) FROM pgrec.impressions") == [(0,)]


def test_log_impressions_refuses_a_two_dimensional_array(world: psycopg.Connection) -> None:
    error = sqlstate_of(world, lambda: world.execute(
        "SELECT rec.log_impressions('r', 'u1', ARRAY[['i1', 'i2'], ['i3', 'i4']])"))
    assert error.sqlstate == "22023"


# --- the report -------------------------------------------------------------------------------

@pytest.fixture
def measured(conn: psycopg.Connection) -> psycopg.Connection:
    """Impressions and events built by hand, so the report's figures are known exactly.

    control (10 impressions, users cu1 and cu2, items r1..r10):
      r1 click 1 h later (and a like 2 h later, but a plain impression of r1 to cu1 at 90 min
         takes that like: an event goes to the latest impression before it)   -> click
      r2 click 30 min later, save 40 min later                                -> click, conversion
      r3 click 23 h later                                                      -> click
      r4 click 25 h later (outside the 24 h window), r5 click an hour before, r6 a view,
      r7 a dismissal, r8..r10 nothing                                          -> nothing
      -> 3 clicks, 1 conversion
    treat (11 impressions, users tu1 and tu2): r1 shown to tu1 twice (t0 and t0 + 2 h) and
      clicked at t0 + 3 h (the later impression only), r2 save, r3 rating 5, r4 rating 1 (not
      positive), r5 two clicks (one impression), r6 apply, r7 click, r8 like
      -> 7 clicks, 4 conversions
    An impression served before the experiment started, then clicked, is not counted.
    """
    t0 = NOW - timedelta(days=5)
    at(conn)
    call(conn, "upsert_items", [{"id": f"r{k}", "created_at": ago(days=30)} for k in range(1, 13)])
    upsert(conn, {"name": "measured", "starts_at": ago(days=10),
                  "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                               {"name": "treat", "strategy": "explore", "share": 0.5}]})

    def shown(when, request, user, items, experiment="measured", variant=None):
        at(conn, when)
        log(conn, request, user, items, experiment, variant)

    def events(*rows):
        at(conn)
        track(conn, [{"user_id": u, "item_id": i, "type": t, "at": iso(when), **({"value": v} if v else {})}
                     for u, i, t, when, v in rows])

    hour = timedelta(hours=1)
    shown(t0, "c1", "cu1", ["r1", "r2", "r3", "r4", "r5"], variant="control")
    shown(t0, "c2", "cu2", ["r6", "r7", "r8", "r9", "r10"], variant="control")
    shown(t0 + 1.5 * hour, "plain", "cu1", ["r1"], experiment=None)
    shown(t0, "t1", "tu1", ["r1", "r2", "r3", "r4", "r5"], variant="treat")
    shown(t0, "t2", "tu2", ["r6", "r7", "r8", "r9", "r10"], variant="treat")
    shown(t0 + 2 * hour, "t3", "tu1", ["r1"], variant="treat")
    shown(NOW - timedelta(days=11), "early", "cu3", ["r11"], variant="control")
    events(("cu1", "r1", "click", t0 + hour, None), ("cu1", "r1", "like", t0 + 2 * hour, None),
           ("cu1", "r2", "click", t0 + 0.5 * hour, None), ("cu1", "r2", "save", t0 + 40 * hour / 60, None),
           ("cu1", "r3", "click", t0 + 23 * hour, None), ("cu1", "r4", "click", t0 + 25 * hour, None),
           ("cu1", "r5", "click", t0 - hour, None), ("cu2", "r6", "view", t0 + hour, None),
           ("cu2", "r7", "dismiss", t0 + hour, None),
           ("tu1", "r1", "click", t0 + 3 * hour, None), ("tu1", "r2", "save", t0 + hour, None),
           ("tu1", "r3", "rate", t0 + hour, 5), ("tu1", "r4", "rate", t0 + hour, 1),
           ("tu1", "r5", "click", t0 + hour, None), ("tu1", "r5", "click", t0 + 2 * hour, None),
           ("tu2", "r6", "apply", t0 + hour, None), ("tu2", "r7", "click", t0 + hour, None),
           ("tu2", "r8", "like", t0 + hour, None),
           ("cu3", "r11", "click", NOW - timedelta(days=11) + hour, None))
    at(conn)
    return conn


def test_report_counts_clicks_and_conversions_exactly(measured: psycopg.Connection) -> None:
    rows = report(measured, "measured")
    assert list(rows) == ["control", "treat"]
    control, treat = rows["control"], rows["treat"]
    assert (control["users"], control["impressions"], control["clicks"], control["conversions"]) == (2, 10, 3, 1)
    assert (treat["users"], treat["impressions"], treat["clicks"], treat["conversions"]) == (2, 11, 7, 4)
    assert control["ctr"] == pytest.approx(0.3) and treat["ctr"] == pytest.approx(7 / 11)
    assert control["conversion_rate"] == pytest.approx(0.1) and treat["conversion_rate"] == pytest.approx(4 / 11)
    assert (control["ctr_low"], control["ctr_high"]) == pytest.approx(wilson(3, 10), rel=1e-12)
    assert (treat["ctr_low"], treat["ctr_high"]) == pytest.approx(wilson(7, 11), rel=1e-12)
    assert (treat["conversion_low"], treat["conversion_high"]) == pytest.approx(wilson(4, 11), rel=1e-12)
    assert (control["conversion_low"], control["conversion_high"]) == pytest.approx(wilson(1, 10), rel=1e-12)
    assert control["control"] is True and treat["control"] is False
    assert control["strategy"] == "default" and treat["strategy"] == "explore" and treat["share"] == 0.5
    # Coverage: ten distinct items of the twelve live ones.
    assert control["items_shown"] == treat["items_shown"] == 10
    assert control["coverage"] == pytest.approx(10 / 12)
    # The difference to control, with its interval.
    assert control["ctr_diff"] is None and control["ctr_diff_low"] is None
    assert treat["ctr_diff"] == pytest.approx(7 / 11 - 0.3)
    assert (treat["ctr_diff_low"], treat["ctr_diff_high"]) == pytest.approx(difference(7, 11, 3, 10), rel=1e-12)


def test_the_attribution_window_is_a_parameter(measured: psycopg.Connection) -> None:
    # 26 hours also credits r4's late click (25 h); 45 minutes keeps only r2's click (30 min).
    assert report(measured, "measured", "26 hours")["control"]["clicks"] == 4
    short = report(measured, "measured", "45 minutes")
    assert (short["control"]["clicks"], short["control"]["conversions"], short["treat"]["clicks"]) == (1, 1, 0)


def test_a_variant_without_impressions_has_no_rates(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, SPLIT)
    rows = report(conn, "split")
    assert list(rows) == ["control", "treat_a", "treat_b"]
    for row in rows.values():
        assert row["impressions"] == 0 and row["clicks"] == 0
        assert row["ctr"] is None and row["ctr_low"] is None and row["ctr_diff"] is None


def test_report_validation(measured: psycopg.Connection) -> None:
    assert sqlstate_of(measured, lambda: report(measured, "nope")).sqlstate == "P0002"
    for bad in ("0", "-1 hour", "31 days"):
        assert sqlstate_of(measured, lambda: report(measured, "measured", bad)).sqlstate == "22023", bad
    error = sqlstate_of(measured, lambda: measured.execute("SELECT * FROM rec.experiment_report('measured', NULL)"))
    assert error.sqlstate == "22004"


# --- operations -------------------------------------------------------------------------------

def design(**changes: Any) -> dict[str, Any]:
    return {"name": "design", "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                                           {"name": "treat", "strategy": "explore", "share": 0.5}], **changes}


@pytest.mark.parametrize(("experiment", "sqlstate", "starts"), [
    (None, "22004", "experiment"),
    ([], "22023", "experiment"),
    ({"variants": []}, "22004", "name"),
    (design(name="Bad Name"), "22023", "name"),
    (design(name="x" * 41), "22023", "name"),
    (design(colour="red"), "22023", "unknown keys"),
    (design(description=3), "22023", "description"),
    (design(starts_at="soon"), "22023", "starts_at"),
    (design(starts_at=None), "22004", "starts_at"),
    (design(ends_at="2026-05-01T00:00:00Z"), "22023", "ends_at"),
    ({"name": "design"}, "22004", "variants"),
    (design(variants=None), "22004", "variants"),
    (design(variants=[{"name": "solo", "strategy": "default", "share": 1}]), "22023", "variants"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5}, "b"]), "22023", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5}, {"strategy": "explore", "share": 0.5}]),
     "22004", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "b", "strategy": "explore", "share": 0.5, "weight": 1}]), "22023", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "a", "strategy": "explore", "share": 0.5}]), "22023", "variants[0]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "b", "strategy": "nope", "share": 0.5}]), "22023", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "b", "strategy": "trending", "share": 0.5}]), "22023", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "b", "strategy": "explore", "share": "half"}]), "22023", "variants[1]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0},
                      {"name": "b", "strategy": "explore", "share": 1}]), "22023", "variants[0]"),
    (design(variants=[{"name": "a", "strategy": "default", "share": 0.5},
                      {"name": "b", "strategy": "explore", "share": 0.4}]), "22023", "variants: shares"),
])
def test_upsert_experiment_validates_everything(conn: psycopg.Connection, experiment: Any, sqlstate: str,
                                                starts: str) -> None:
    at(conn)
    error = sqlstate_of(conn, lambda: conn.execute("SELECT rec.upsert_experiment(%s::jsonb)",
                                                    (None if experiment is None else json.dumps(experiment),)))
    assert error.sqlstate == sqlstate
    assert error.diag.message_primary.startswith(starts), error.diag.message_primary
    assert query(conn, "SELECT count(*) FROM pgrec.experiments") == [(0,)]


def test_shares_may_be_thirds_written_to_sixteen_digits(conn: psycopg.Connection) -> None:
    at(conn)
    third = {"strategy": "default", "share": 0.3333333333333333}
    stored = upsert(conn, design(variants=[{"name": n, **third} for n in ("a", "b", "c")]))
    assert [v["name"] for v in stored["variants"]] == ["a", "b", "c"]


def test_an_experiment_keeps_its_design_once_started(conn: psycopg.Connection) -> None:
    at(conn)
    created = upsert(conn, design(starts_at=iso(NOW + timedelta(days=1)), description="first"))
    assert created["status"] == "scheduled" and created["description"] == "first"
    assert [(v["name"], v["control"]) for v in created["variants"]] == [("control", True), ("treat", False)]
    # Before the start anything may change, also the variants (a removed one goes).
    changed = upsert(conn, {"name": "design", "variants": [{"name": "control", "strategy": "default", "share": 0.6},
                                                           {"name": "other", "strategy": "popular", "share": 0.4}]})
    assert [(v["name"], v["share"]) for v in changed["variants"]] == [("control", 0.6), ("other", 0.4)]
    assert changed["description"] == "first"  # left out: kept

    at(conn, NOW + timedelta(days=2))
    def refused(**changes: Any) -> psycopg.Error:
        return sqlstate_of(conn, lambda: upsert(conn, {"name": "design", **changes}))
    assert refused(variants=[{"name": "control", "strategy": "default", "share": 0.5},
                             {"name": "other", "strategy": "popular", "share": 0.5}]).sqlstate == "22023"
    assert refused(starts_at=iso(NOW)).sqlstate == "22023"
    past = refused(ends_at=iso(NOW + timedelta(days=1.5)))  # after the start, but in the past now
    assert past.sqlstate == "22023" and past.diag.message_primary.startswith("ends_at must not be in the past")
    # The same variants again (an idempotent PUT), a description and a later end are fine.
    same = upsert(conn, {"name": "design", "description": "second", "ends_at": iso(NOW + timedelta(days=9)),
                         "variants": [{"name": "other", "strategy": "popular", "share": 0.4},
                                      {"name": "control", "strategy": "default", "share": 0.6}]})
    assert same["status"] == "running" and same["description"] == "second"

    ended = conn.execute("SELECT rec.end_experiment('design')").fetchone()[0]
    assert ended["status"] == "ended" and ended["ends_at"] == iso(NOW + timedelta(days=2))
    assert conn.execute("SELECT rec.end_experiment('design')").fetchone()[0] == ended  # again: unchanged
    assert refused(ends_at=iso(NOW + timedelta(days=20))).sqlstate == "22023"
    assert upsert(conn, {"name": "design", "description": "third"})["description"] == "third"


def test_end_experiment_needs_a_started_experiment(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, design(starts_at=iso(NOW + timedelta(hours=1))))
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.end_experiment('design')")).sqlstate == "22023"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.end_experiment('nope')")).sqlstate == "P0002"
    assert sqlstate_of(conn, lambda: conn.execute("SELECT rec.end_experiment(NULL)")).sqlstate == "22004"


def test_experiments_lists_status_and_variants(conn: psycopg.Connection) -> None:
    at(conn)
    upsert(conn, design(name="later", starts_at=iso(NOW + timedelta(days=1))))
    upsert(conn, design(name="now_running"))
    upsert(conn, design(name="past", starts_at=ago(days=9), ends_at=ago(days=2)))
    listed = query(conn, "SELECT name, status, list, variants FROM rec.experiments()")
    assert [(n, s, l) for n, s, l, _ in listed] == [("later", "scheduled", "feed"), ("now_running", "running", "feed"),
                                                     ("past", "ended", "feed")]
    assert listed[0][3] == [{"name": "control", "strategy": "default", "share": 0.5, "control": True},
                            {"name": "treat", "strategy": "explore", "share": 0.5, "control": False}]


def test_a_strategy_in_use_cannot_be_deleted(conn: psycopg.Connection) -> None:
    at(conn)
    conn.execute("INSERT INTO pgrec.strategies (name, list, description, weights, exclusion_policy) "
                 "VALUES ('candidate', 'feed', 'a blend to try', '{\"vector\": 1}', 'unseen')")
    upsert(conn, design(variants=[{"name": "control", "strategy": "default", "share": 0.5},
                                  {"name": "treat", "strategy": "candidate", "share": 0.5}]))
    error = sqlstate_of(conn, lambda: conn.execute("DELETE FROM pgrec.strategies WHERE name = 'candidate'"))
    assert error.sqlstate == "23503"


def test_prune_impressions_keeps_running_experiments(world: psycopg.Connection) -> None:
    upsert(world, {"name": "old", "starts_at": ago(days=60), "ends_at": ago(days=20),
                   "variants": [{"name": "control", "strategy": "default", "share": 0.5},
                                {"name": "treat", "strategy": "explore", "share": 0.5}]})
    at(world, NOW - timedelta(days=30))
    log(world, "old-plain", "u1", ["i1"])
    log(world, "old-ended", "u1", ["i2"], "old", "control")
    log(world, "old-running", "u1", ["i3"], "ab", "control")
    at(world)
    log(world, "fresh", "u1", ["i4"])
    assert world.execute("SELECT rec.prune_impressions('7 days')").fetchone()[0] == 2
    assert [r[0] for r in query(world, "SELECT request_id FROM pgrec.impressions ORDER BY 1")] == ["fresh", "old-running"]
    for bad, sqlstate in (("1 hour", "22023"), (None, "22004")):
        error = sqlstate_of(world, lambda: world.execute("SELECT rec.prune_impressions(%s::interval)", (bad,)))
        assert error.sqlstate == sqlstate


def test_the_application_role_assigns_and_logs_but_does_not_operate(world: psycopg.Connection) -> None:
    world.execute("CREATE ROLE pgrec_test_experiments_app IN ROLE pgrec_app")
    world.execute("SET LOCAL ROLE pgrec_test_experiments_app")
    assert variant_of(world, "ab", "u1")[0] in {"control", "treat"}
    assert log(world, "req-app", "u1", ["i1"], "ab") == 1
    assert feed(world, "u1", 3, strategy="experiment:ab")
    for statement in ("SELECT rec.upsert_experiment('{}')", "SELECT rec.end_experiment('ab')",
                      "SELECT * FROM rec.experiments()", "SELECT * FROM rec.experiment_report('ab')",
                      "SELECT rec.prune_impressions('1 day')", "SELECT count(*) FROM pgrec.impressions"):
        assert sqlstate_of(world, lambda: world.execute(statement)).sqlstate == "42501", statement
