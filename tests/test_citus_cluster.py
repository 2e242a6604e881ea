"""A real Citus cluster on this machine: a coordinator and two workers built from the Citus
source against the embedded PostgreSQL. Distributed tables spread their shards over both
workers; reference tables have a copy on each.

Citus is in no package registry here. The test uses a Citus already installed in the embedded
PostgreSQL, or builds one (~30-50 s on 2 cores, once per virtualenv) from ``PGREC_CITUS_SOURCE``,
which ``.ci/run`` points at the vendored tarball; without either it is skipped.
"""

from __future__ import annotations

import shutil
import uuid
from typing import Iterator

import psutil
import psycopg
import pytest

from app.cluster import citus
from app.cluster.servers import cluster_dir

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
        running = citus.start_cluster(base_dir, workers=2, search_parents=False)
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
        counts = query(worker.url(), " UNION ALL ".join(f"SELECT count(*) FROM public.{n}" for n in names))
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
