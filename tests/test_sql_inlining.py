"""The small SQL helpers the hot queries call are inlined by the planner: their SQL says so,
and a helper that stops being inlinable (a FROM, a SET clause, a volatility its body exceeds)
costs a call of the SQL-function executor per row — _fill_phrase did, a third of the reasons
of a 100-row feed pool."""

from __future__ import annotations

import pytest

#: A call of each helper on columns of a table (columns, not constants: an immutable call on
#: constants is folded into its value however the function is written).
CALLS = {
    "_fill_phrase": "rec._fill_phrase(v.t, v.j)",
    "_age_days": "rec._age_days(v.at, v.at)",
    "_decay": "rec._decay(v.x)",
    "_haversine_km": "rec._haversine_km(v.x, v.x, v.x, v.x)",
    "_unknown_keys": "rec._unknown_keys(v.j, ARRAY[v.t])",
    "_xact_seen": "rec._xact_seen(v.n, pg_current_snapshot(), v.n)",
    "_pool_missed": "rec._pool_missed(v.n, v.n, pg_current_snapshot(), v.n, v.n)",
    "_feed_pool_digest": "rec._feed_pool_digest(v.t, v.at, true, true, v.t, v.t)",
    "_weighted_sum": "rec._weighted_sum(v.s, v.s)",
}


def table(conn) -> None:
    conn.execute("CREATE TEMPORARY TABLE v (t text, j jsonb, at timestamptz, x float8, n bigint, s rec.signals)")


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_helper_is_inlined(conn, name: str) -> None:
    table(conn)
    plan = "\n".join(row[0] for row in conn.execute(f"EXPLAIN (VERBOSE, COSTS OFF) SELECT {CALLS[name]} FROM v"))
    assert name not in plan, plan


def test_the_signal_unpivot_is_inlined(conn) -> None:
    # A set-returning helper in FROM: inlined, it is a scan of its VALUES, not a function scan.
    table(conn)
    plan = "\n".join(row[0] for row in conn.execute(
        "EXPLAIN (VERBOSE, COSTS OFF) SELECT x.signal, x.value FROM v CROSS JOIN LATERAL rec._signal_values(v.s) AS x"))
    assert "_signal_values" not in plan and "Values Scan" in plan, plan
