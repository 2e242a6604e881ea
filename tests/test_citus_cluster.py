"""A real Citus cluster on this machine: a coordinator and two workers built from the Citus
source against the embedded PostgreSQL. Distributed tables spread their shards over both
workers; reference tables have a copy on each. pgrec is installed onto the coordinator with
``alembic upgrade head`` (it finds Citus by itself) and runs its public contract there, with
the same results as on one PostgreSQL.

Citus is in no package registry here. The test uses a Citus already installed in the embedded
PostgreSQL, or builds one (~30-50 s on 2 cores, once per virtualenv) from ``PGREC_CITUS_SOURCE``,
which ``.ci/run`` points at the vendored tarball; without either it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Iterator

import psutil
import psycopg
import pytest
from rich.console import Console

from app import ROOT
from app.cluster import citus
from app.cluster.servers import cluster_dir
from app.db import configure
from app.demo import DEFAULT_NOW, DemoSize, generate
from app.loader import load_dataset
from app.refresh import refresh
from app.settings import Settings
from tests.conftest import clone_template
from tests.helpers import World, prepare_calls, public_functions, read_calls, run_call, write_calls

# Building Citus is part of the first test's set-up.
pytestmark = pytest.mark.timeout(1200)


@pytest.fixture(scope="module")
def cluster() -> Iterator[citus.CitusCluster]:
    # No search of parent folders: `make test` must not start a 50 s build by surprise; CI opts in.
    reason = citus.unavailable_reason(search_parents=False)
    if reason is not None:
        pytest.skip(reason)
    base_dir = cluster_dir() / f"test-citus-{uuid.uuid4().hex[:8]}"
    try:
        running = citus.start_cluster(base_dir, workers=2, dbname="pgrec", search_parents=False)
    except BaseException:
        shutil.rmtree(base_dir, ignore_errors=True)  # start_cluster already stopped what it started
        raise
    try:
        yield running
    finally:
        citus.stop_cluster(running, remove=True)


def query(url: str, sql: str, *params: object) -> list[tuple]:
    """Rows of ``sql`` (empty for a statement that returns none), in autocommit."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(sql, params or None)
        return cursor.fetchall() if cursor.description is not None else []


def test_the_coordinator_knows_both_workers(cluster: citus.CitusCluster) -> None:
    nodes = query(cluster.url(), "SELECT nodeport, shouldhaveshards FROM pg_dist_node WHERE isactive ORDER BY nodeport")
    assert {port for port, has_shards in nodes if has_shards} == {w.port for w in cluster.workers}
    assert (cluster.coordinator.port, False) in nodes  # in the metadata, holds no distributed shards
    assert query(cluster.url(), "SELECT bool_and(result) FROM citus_check_cluster_node_health()") == [(True,)]


def test_a_distributed_table_spreads_its_rows_over_both_workers(cluster: citus.CitusCluster) -> None:
    url = cluster.url()
    query(url, "CREATE TABLE events (user_id bigint NOT NULL, item_id bigint NOT NULL, at timestamptz DEFAULT now())")
    query(url, "SELECT create_distributed_table('events', 'user_id')")
    query(url, "INSERT INTO events (user_id, item_id) SELECT u, u % 7 FROM generate_series(1, 1000) u")

    shards = query(url, "SELECT shard_name, nodeport FROM citus_shards WHERE table_name = 'events'::regclass")
    assert {port for _, port in shards} == {w.port for w in cluster.workers}
    rows_per_worker = {}
    for worker in cluster.workers:
        names = [name for name, port in shards if port == worker.port]
        # A shard is a plain table on its worker; reading it there shows where the rows really are.
        counts = query(worker.url(cluster.dbname), " UNION ALL ".join(f"SELECT count(*) FROM public.{n}" for n in names))
        rows_per_worker[worker.name] = sum(count for (count,) in counts)
    assert sum(rows_per_worker.values()) == 1000
    assert all(count > 0 for count in rows_per_worker.values()), rows_per_worker


def test_a_reference_table_is_copied_to_every_worker_and_joins(cluster: citus.CitusCluster) -> None:
    url = cluster.url()
    query(url, "CREATE TABLE items (id bigint PRIMARY KEY, title text NOT NULL)")
    query(url, "SELECT create_reference_table('items')")
    query(url, "INSERT INTO items SELECT i, 'item ' || i FROM generate_series(0, 6) i")
    query(url, "CREATE TABLE likes (user_id bigint NOT NULL, item_id bigint NOT NULL REFERENCES items)")
    query(url, "SELECT create_distributed_table('likes', 'user_id')")
    query(url, "INSERT INTO likes SELECT u, u % 7 FROM generate_series(1, 700) u")

    placements = query(url, "SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = 'items'::regclass")
    assert {w.port for w in cluster.workers} <= {port for (port,) in placements}
    # The join of a distributed table with a reference table runs on the workers, shard by shard.
    assert query(url, "SELECT i.title, count(*) FROM likes l JOIN items i ON i.id = l.item_id "
                      "GROUP BY 1 ORDER BY 1 LIMIT 2") == [("item 0", 100), ("item 1", 100)]
    with pytest.raises(psycopg.Error) as info:  # the foreign key holds on every shard
        query(url, "INSERT INTO likes VALUES (1, 99)")
    assert info.value.diag.sqlstate == "23503"


# --- pgrec on the cluster ---------------------------------------------------------------------

#: A small demo dataset, replayed at its own "now" on the cluster and on one PostgreSQL.
DEMO = DemoSize(items=300, users=150, events=6000, days=60, seed=7)
WORLD = World(user="u3", item="i12", items=["i12", "i13", "i14"], lat=52.52, lon=13.405, words="design")


def replay(url: str) -> psycopg.Connection:
    """An autocommit connection at the dataset's clock (rec.as_of)."""
    conn = psycopg.connect(url, autocommit=True)
    configure(conn)
    conn.execute("SELECT set_config('rec.as_of', %s, false)", (DEFAULT_NOW.isoformat(),))
    return conn


def load_and_refresh(url: str) -> dict[str, tuple[str, int | None]]:
    """The demo data through rec.upsert_*/rec.track, then every refresh step (embeddings with
    the offline provider): what `pgrec refresh` does. Returns {step: (outcome, rows)}."""
    load_dataset(url, generate(DEMO, now=DEFAULT_NOW), console=Console(quiet=True), refresh=False)
    with replay(url) as conn:
        runs = refresh(conn, settings=replace(Settings(), embedding_provider="offline"))
    return {r.step: (r.outcome, r.rows) for r in runs}


@pytest.fixture(scope="module")
def pgrec_cluster(cluster: citus.CitusCluster) -> dict[str, tuple[str, int | None]]:
    """pgrec installed on the coordinator the way the README says, loaded and refreshed."""
    env = {**os.environ, "DATABASE_URL": cluster.url()}
    env.pop("PGOPTIONS", None)
    migrated = subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-1200:]
    return load_and_refresh(cluster.url())


@pytest.fixture(scope="module")
def pgrec_single(server_url: str, template_url: str) -> Iterator[tuple[str, dict[str, tuple[str, int | None]]]]:
    """The same data on one PostgreSQL (the test server), for comparison."""
    name = f"pgrec_test_single_{uuid.uuid4().hex[:8]}"
    url = clone_template(server_url, name)
    try:
        yield url, load_and_refresh(url)
    finally:
        query(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_alembic_installs_pgrec_distributed_by_itself(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    url = cluster.url()
    placements = {t: (p, col) for t, p, col, _ in query(url, "SELECT * FROM pgrec.table_placements()")}
    placed = {str(t): (kind, col, colocation) for t, kind, col, colocation in query(
        url, "SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables "
             "WHERE table_name::text LIKE 'pgrec.%'")}
    for table, (placement, column) in placements.items():
        if placement == "local":
            # Plain coordinator tables, or Citus local tables when they reference a reference table.
            assert placed.get(table, ("local",))[0] == "local", table
        else:
            assert placed[table][:2] == (placement, column or "<none>"), table
    # The per-user tables share the users' co-location group: one user's rows on one worker.
    users_group = placed["pgrec.users"][2]
    assert {t for t, (kind, _, g) in placed.items() if kind == "distributed" and g == users_group} >= {
        "pgrec.users", "pgrec.events", "pgrec.event_ids", "pgrec.user_tags", "pgrec.user_vectors",
        "pgrec.onboarding_answers"}
    assert placed["pgrec.user_keys"][2] != users_group
    # Every shard group of the users is on a worker, none on the coordinator.
    ports = {p for (p,) in query(url, "SELECT DISTINCT nodeport FROM citus_shards WHERE table_name = 'pgrec.events'::regclass")}
    assert ports == {w.port for w in cluster.workers}
    assert query(url, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'pgrec_owner'") == [(True,)]


def test_every_refresh_step_runs_distributed_with_the_single_node_result(cluster: citus.CitusCluster, pgrec_cluster,
                                                                          pgrec_single) -> None:
    _, single = pgrec_single
    failed = {step: outcome for step, (outcome, _) in pgrec_cluster.items() if outcome != "ok"}
    assert not failed, (failed, query(cluster.url(), "SELECT step, detail FROM pgrec.refresh_runs WHERE outcome = 'error'"))
    assert pgrec_cluster == single


def ranked(url: str, statement: str, params: tuple) -> list[tuple[str, float]]:
    with replay(url) as conn:
        return [(r[0], r[1]) for r in conn.execute(statement, params).fetchall()]


@pytest.mark.parametrize("statement, params", [
    ("SELECT item_id, score FROM rec.feed(%s, 20)", (WORLD.user,)),
    ("SELECT item_id, score FROM rec.feed(%s, 20)", ("u40",)),
    ("SELECT item_id, score FROM rec.feed('someone new', 20)", ()),
    ("SELECT item_id, score FROM rec.trending(20)", ()),
    ("SELECT item_id, score FROM rec.trending(20, 0, '7 days', %s)", (WORLD.user,)),
    ("SELECT item_id, score FROM rec.similar_items(%s, 20)", (WORLD.item,)),
    ("SELECT item_id, score FROM rec.nearby(%s, %s, 25, 20)", (WORLD.lat, WORLD.lon)),
    ("SELECT item_id, score FROM rec.search(%s, 20, %s)", (WORLD.words, WORLD.user)),
    ("SELECT item_id, score FROM rec.latest(20)", ()),
    ("SELECT item_id, score FROM rec.session_feed(%s, 20)", (WORLD.items,)),
])
def test_lists_on_the_cluster_equal_the_single_node(cluster: citus.CitusCluster, pgrec_cluster, pgrec_single,
                                                     statement: str, params: tuple) -> None:
    on_cluster, on_one_node = ranked(cluster.url(), statement, params), ranked(pgrec_single[0], statement, params)
    assert on_cluster, "the list is empty: the data should give it items"
    # Sums over shards add up in another order: scores agree to rounding, and so does the order
    # (items whose scores differ by less than that may swap places).
    assert sorted(i for i, _ in on_cluster) == sorted(i for i, _ in on_one_node)
    scores = dict(on_one_node)
    assert all(abs(score - scores[item]) < 1e-9 for item, score in on_cluster)
    assert [round(s, 9) for _, s in on_cluster] == [round(s, 9) for _, s in on_one_node]


def test_feeds_are_served_from_precomputed_pools_on_the_cluster(cluster: citus.CitusCluster, pgrec_cluster,
                                                                pgrec_single) -> None:
    url = cluster.url()
    with replay(url) as conn:
        # The refresh step feed_pools built the pools of the recently active users on their shards.
        pooled = [r[0] for r in conn.execute(
            "SELECT user_id FROM pgrec.feed_pools WHERE strategy = 'default' ORDER BY user_id LIMIT 3")]
        assert len(pooled) == 3
        # Custom plans here: Citus cannot run generic plans of the pooled path (one node plans it once).
        assert not any("plan_cache_mode" in c for c in conn.execute(
            "SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE proname = '_pooled_feed'").fetchone()[0])
        users = [r[0] for r in conn.execute("SELECT external_id FROM pgrec.users WHERE id = ANY (%s) ORDER BY id",
                                            (pooled,))]
        for uid, user in zip(pooled, users):
            served = conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, 20)", (user,)).fetchall()
            # Shuffling the pool's stored ids, of its candidates and of its stored page (scores stay),
            # moves the page: it was read from the pool.
            with conn.transaction(force_rollback=True):
                # As the functions' owner: Citus refuses a transaction that reads placements
                # another role modified in it.
                conn.execute("SET LOCAL ROLE pgrec_owner")
                conn.execute("UPDATE pgrec.feed_pools SET external_ids = ARRAY(SELECT x FROM unnest(external_ids) AS x "
                             "ORDER BY md5(x)), page_ids = ARRAY(SELECT x FROM unnest(page_ids) AS x ORDER BY md5(x)) "
                             "WHERE user_id = %s AND strategy = 'default'", (uid,))
                assert conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, 20)", (user,)).fetchall() != served
            conn.execute("SET rec.pools = off")
            assert conn.execute("SELECT item_id, score, reasons FROM rec.feed(%s, 20)", (user,)).fetchall() == served
            conn.execute("RESET rec.pools")
            # And the page is the single node's.
            on_one_node = ranked(pgrec_single[0], "SELECT item_id, score FROM rec.feed(%s, 20)", (user,))
            assert [(i, round(sc, 9)) for i, sc, _ in served] == [(i, round(sc, 9)) for i, sc in on_one_node]


def test_incremental_refresh_on_the_cluster_gives_the_single_node_result(cluster: citus.CitusCluster, pgrec_cluster,
                                                                        pgrec_single) -> None:
    # New events of known users and a new one, then every SQL step again: the steps that keep
    # watermarks add only what changed, on the cluster as on one PostgreSQL.
    at = (DEFAULT_NOW - timedelta(minutes=30)).isoformat()
    batch = json.dumps([{"user_id": user, "item_id": item, "type": kind, "at": at}
                        for user, item, kind in (("u3", "i40", "like"), ("u3", "i41", "view"), ("u40", "i12", "like"),
                                                 ("u41", "i13", "save"), ("newcomer", "i12", "like"),
                                                 ("newcomer", "i14", "like"))])
    runs = {}
    for name, url in (("cluster", cluster.url()), ("single", pgrec_single[0])):
        with replay(url) as conn:
            assert conn.execute("SELECT rec.track(%s::jsonb)", (batch,)).fetchone()[0] == 6
            outcomes = {step: (outcome, rows) for step, outcome, rows, _ in conn.execute("SELECT * FROM rec.refresh()")}
            details = dict(conn.execute("SELECT DISTINCT ON (step) step, detail FROM pgrec.refresh_runs "
                                        "ORDER BY step, id DESC").fetchall())
            runs[name] = outcomes, details
    outcomes, details = runs["cluster"]
    assert all(outcome in ("ok", "skipped") for outcome, _ in outcomes.values()), \
        {step: (outcome, details.get(step)) for step, (outcome, _) in outcomes.items() if outcome not in ("ok", "skipped")}
    for step in ("stats", "itemknn", "transitions", "user_vectors"):
        assert details[step].startswith("incremental"), (step, details[step])
    assert runs["cluster"] == runs["single"]
    for statement, params in (("SELECT item_id, score FROM rec.feed(%s, 20)", ("u3",)),
                              ("SELECT item_id, score FROM rec.feed('newcomer', 20)", ()),
                              ("SELECT item_id, score FROM rec.trending(20)", ()),
                              ("SELECT item_id, score FROM rec.similar_items(%s, 20)", ("i12",))):
        on_cluster, on_one_node = ranked(cluster.url(), statement, params), ranked(pgrec_single[0], statement, params)
        assert on_cluster and [(i, round(sc, 9)) for i, sc in on_cluster] == [(i, round(sc, 9)) for i, sc in on_one_node]


#: Public functions documented to run on one PostgreSQL only (docs/scale-out.md, "What does not
#: work distributed"), which must fail with 0A000 on the cluster. None today: the operator
#: reports join impressions with their events per user (rec._impression_events), on the
#: user's shard.
NOT_DISTRIBUTED: set[str] = set()


def test_every_public_function_works_on_the_cluster(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    failures, refused = {}, {}
    with replay(cluster.url()) as conn:
        prepare_calls(conn, WORLD)
        for function, statement, params in read_calls(WORLD) + write_calls(WORLD):
            try:
                run_call(conn, function, statement, params)
            except psycopg.Error as exc:
                (refused if function in NOT_DISTRIBUTED else failures)[function] = \
                    f"{exc.diag.sqlstate}: {str(exc).splitlines()[0]}"
        assert not failures, failures
        # The documented exceptions fail as documented (and the list shrinks when one is fixed).
        assert set(refused) == NOT_DISTRIBUTED and all(r.startswith("0A000") for r in refused.values()), refused
        covered = {name for name, _, _ in read_calls(WORLD) + write_calls(WORLD)}
        assert covered == set(public_functions(conn))


def test_track_is_exactly_once_on_the_user_s_shard(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    batch = json.dumps([{"event_id": "cluster-e1", "user_id": "u5", "item_id": "i20", "type": "like"},
                        {"event_id": "cluster-e1", "user_id": "u6", "item_id": "i20", "type": "like"},
                        {"event_id": "cluster-e1", "user_id": "u5", "item_id": "i21", "type": "view"}])
    with replay(cluster.url()) as conn:
        assert conn.execute("SELECT rec.track(%s::jsonb)", (batch,)).fetchone()[0] == 2
        assert conn.execute("SELECT rec.track(%s::jsonb)", (batch,)).fetchone()[0] == 0
        uid = conn.execute("SELECT user_id FROM pgrec.user_keys WHERE external_id = 'u5'").fetchone()[0]
        # The event, its id and the user live in shards of one group, on one worker.
        nodes = {table: conn.execute(
            "SELECT nodeport FROM citus_shards WHERE table_name = %s::regclass "
            "AND shardid = get_shard_id_for_distribution_column(%s, %s)", (table, table, uid)).fetchone()[0]
            for table in ("pgrec.users", "pgrec.event_ids", "pgrec.events_default")}
        assert len(set(nodes.values())) == 1, nodes


def test_a_user_s_history_is_read_from_one_shard(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    with replay(cluster.url()) as conn:
        uid = conn.execute("SELECT rec._user_id(%s)", (WORLD.user,)).fetchone()[0]
        per_user = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT item_id, type, occurred_at FROM pgrec.weighted_events WHERE user_id = %s "
            "ORDER BY occurred_at DESC LIMIT 100", (uid,)))
        whole = "\n".join(r[0] for r in conn.execute(
            "EXPLAIN SELECT item_id, count(*) FROM pgrec.events GROUP BY item_id"))
    assert "Task Count: 1" in per_user
    assert "Task Count: 32" in whole


def test_refresh_runs_only_on_the_coordinator(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    # The functions reach the workers with the tables, but the schedule, the run log and the
    # step locks are the coordinator's.
    with psycopg.connect(cluster.workers[0].url(cluster.dbname), autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as info:
            conn.execute("SELECT * FROM rec.refresh('trending')")
    assert info.value.diag.sqlstate == "0A000"


def test_partitions_and_retention_on_the_cluster(cluster: citus.CitusCluster, pgrec_cluster) -> None:
    with replay(cluster.url()) as conn:
        partitions = {r[0] for r in conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'pgrec.events'::regclass")}
        # The demo spans November 2025 to January 1st, 2026; the step made those and 3 ahead.
        assert {"events_p2025_11", "events_p2025_12", "events_p2026_01", "events_p2026_04"} <= partitions
        assert conn.execute("SELECT count(*) FROM pgrec.events_default").fetchone()[0] == 0
        # Each monthly partition is distributed with the events.
        assert conn.execute("SELECT citus_table_type FROM citus_tables WHERE table_name = "
                            "'pgrec.events_p2025_12'::regclass").fetchone()[0] == "distributed"
        total = conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0]
        conn.execute("UPDATE pgrec.event_partitioning SET retention = '1 month'")
        assert conn.execute("SELECT outcome FROM rec.refresh('event_partitions')").fetchone()[0] == "ok"
        kept = conn.execute("SELECT count(*) FROM pgrec.events").fetchone()[0]
        assert 0 < kept < total
        assert conn.execute("SELECT min(occurred_at) >= '2025-12-01' FROM pgrec.events").fetchone()[0]
        # The detached month is a distributed table of its own, rows and all.
        assert conn.execute("SELECT count(*) FROM pgrec.events_p2025_11").fetchone()[0] == total - kept


def test_forgetting_a_creator_with_their_items_takes_the_items_neighbour_rows(cluster: citus.CitusCluster,
                                                                              pgrec_cluster) -> None:
    # pgrec.item_neighbors has no foreign keys, and Citus no trigger on reference tables:
    # rec.forget_user deletes the rows itself. (Last of the comparisons with one node: it
    # changes the cluster's data.)
    with replay(cluster.url()) as conn:
        creator, items = conn.execute(
            "SELECT i.creator_id, array_agg(i.id) FROM pgrec.items i JOIN pgrec.users u ON u.external_id = i.creator_id "
            "WHERE EXISTS (SELECT FROM pgrec.item_neighbors n WHERE n.neighbor_id = i.id) "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1").fetchone()
        conn.execute("SELECT rec.forget_user(%s, 'delete')", (creator,))
        assert conn.execute("SELECT count(*) FROM pgrec.items WHERE id = ANY (%s)", (items,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM pgrec.item_neighbors WHERE item_id = ANY (%s) OR neighbor_id = ANY (%s)",
                            (items, items)).fetchone()[0] == 0


def test_the_cluster_stops_by_pid_and_restarts_from_its_folders(cluster: citus.CitusCluster) -> None:
    query(cluster.url(), "CREATE TABLE kept (user_id bigint)")
    query(cluster.url(), "SELECT create_distributed_table('kept', 'user_id')")
    query(cluster.url(), "INSERT INTO kept SELECT generate_series(1, 100)")
    pids = cluster.pids
    assert all(pids.values())

    assert sorted(citus.stop_cluster(cluster)) == sorted(pids)
    assert not any(psutil.pid_exists(pid) for pid in pids.values())
    assert all(pid is None for pid in cluster.pids.values())

    restarted = citus.start_cluster(cluster.base_dir)
    assert restarted.url() == cluster.url()  # the same ports: pg_dist_node remembers them
    assert query(restarted.url(), "SELECT count(*) FROM kept") == [(100,)]
