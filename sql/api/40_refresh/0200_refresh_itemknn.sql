-- Refresh step "itemknn": the SQL item-item model, over all history (no window: old
-- co-occurrences still count, decayed). With r(u, i) the interaction strengths of
-- rec._interactions (the model's parameters: type strengths, half-life, per-user cap),
-- d(i) = sum over users of r(u, i) and e(u) = sum over items of r(u, i), the weight of j for i
-- is a two-step random walk i -> u -> j with j's popularity discounted (RP3beta, Paudel et al.):
--     w(i, j) = sum over u of  r(u, i) / d(i)  x  r(u, j) / e(u),   divided by d(j)^beta
-- so a blockbuster everyone also watched does not become everyone's neighbour. Pairs need
-- min_support users in common (one shared user is coincidence). The `neighbors` best per item
-- are kept, under source 'itemknn'. Every item with at least min_support users gets neighbours.
-- work_mem: the pair aggregation is one large hash join; memory rather than spilling to disk.
CREATE FUNCTION rec._refresh_itemknn()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_model  pgrec.models;
    v_beta   double precision;
    v_min    integer;
    v_k      integer;
    v_rows   bigint;
    v_start  timestamptz := clock_timestamp();
    v_last   bigint;
    v_events bigint;
    v_users  bigint;
    v_items  bigint;
    v_secs   double precision;
BEGIN
    -- Reads the events' shards, then writes reference tables (item_neighbors, models).
    PERFORM rec._citus_sequential();
    SELECT coalesce(max(e.id), 0) INTO v_last FROM pgrec.events AS e;
    SELECT * INTO v_model FROM pgrec.models AS m WHERE m.name = 'itemknn';
    v_beta := coalesce((v_model.parameters ->> 'beta')::double precision, 0.5);
    v_min := coalesce((v_model.parameters ->> 'min_support')::integer, 2);
    v_k := coalesce((v_model.parameters ->> 'neighbors')::integer, 50);

    DELETE FROM pgrec.item_neighbors WHERE source = 'itemknn';
    WITH walks AS MATERIALIZED (
        SELECT r.user_id, r.item_id,
               r.strength / sum(r.strength) OVER (PARTITION BY r.item_id) AS from_item,
               r.strength / sum(r.strength) OVER (PARTITION BY r.user_id) AS to_item,
               sum(r.strength) OVER (PARTITION BY r.item_id) AS degree
        FROM rec._interactions(v_model.parameters, v_now) AS r
    ),
    degrees AS (
        SELECT DISTINCT w.item_id, w.degree FROM walks AS w
    ),
    pairs AS (
        SELECT a.item_id, b.item_id AS neighbor_id, sum(a.from_item * b.to_item) AS weight
        FROM walks AS a
        JOIN walks AS b ON b.user_id = a.user_id AND b.item_id <> a.item_id
        GROUP BY a.item_id, b.item_id
        HAVING count(*) >= v_min
    ),
    ranked AS (
        SELECT p.item_id, p.neighbor_id, p.weight / power(d.degree, v_beta) AS score,
               row_number() OVER (PARTITION BY p.item_id ORDER BY p.weight / power(d.degree, v_beta) DESC,
                                                                  p.neighbor_id) AS rank
        FROM pairs AS p
        JOIN degrees AS d ON d.item_id = p.neighbor_id
    )
    INSERT INTO pgrec.item_neighbors (item_id, source, neighbor_id, score)
    SELECT r.item_id, 'itemknn', r.neighbor_id, r.score
    FROM ranked AS r
    WHERE r.rank <= v_k AND r.score > 0;
    GET DIAGNOSTICS v_rows = ROW_COUNT;

    -- Counted first and written as values: Citus runs no subquery or volatile function
    -- (clock_timestamp) inside an UPDATE of a replicated table.
    SELECT count(*), count(DISTINCT e.user_id) INTO v_events, v_users FROM pgrec.events AS e WHERE e.occurred_at <= v_now;
    SELECT count(DISTINCT n.item_id) INTO v_items FROM pgrec.item_neighbors AS n WHERE n.source = 'itemknn';
    v_secs := extract(epoch FROM clock_timestamp() - v_start);
    UPDATE pgrec.models AS m
    SET fitted_at = now(), as_of = v_now, seconds = v_secs,
        training_events = v_events, users = v_users, items_covered = v_items,
        metrics = jsonb_build_object('pairs', v_rows), last_event_id = v_last
    WHERE m.name = 'itemknn';
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_itemknn() IS
'Refresh step itemknn: the SQL item-item model (RP3beta random walks over typed, decayed interactions), top neighbours per item under source itemknn. Returns rows written.';
