-- Refresh step "neighbors_history" (after "neighbors"): co-occurrence neighbours, computed
-- exactly like the neighbors step (cosine over each user's 50 most recent positive items,
-- at least 2 shared users, top 50 per item), for the items that step left without any because
-- their events are older than its 180-day window. A catalogue whose history ended long ago
-- (an imported dataset, a replay, a quiet shop) would otherwise lose the collaborative signal
-- entirely. Rows carry source 'history'; rec._collaborative reads them like any other
-- neighbour rows. When every event is inside the window there is nothing to do and the step
-- returns at once (one probe of the BRIN index on occurred_at). Pairs are unique across
-- sources, so when an old item becomes active again the neighbors step skips the pairs this
-- step wrote for it until this step has dropped them; the next neighbors run completes them.
CREATE FUNCTION rec._refresh_neighbors_history()
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows bigint;
BEGIN
    DELETE FROM pgrec.item_neighbors WHERE source = 'history';
    -- SELECT 1, not an empty select list: Citus cannot pass a row without columns between nodes.
    IF NOT EXISTS (SELECT 1 FROM pgrec.events AS e WHERE e.occurred_at <= v_now - interval '180 days') THEN
        RETURN 0;
    END IF;
    WITH recent AS (
        SELECT r.user_id, r.item_id FROM rec._recent_positive('-infinity', v_now) AS r
    ),
    uncovered AS (
        SELECT DISTINCT r.item_id FROM recent AS r
        WHERE NOT EXISTS (SELECT FROM pgrec.item_neighbors AS nb WHERE nb.item_id = r.item_id)
    ),
    item_users AS (
        SELECT r.item_id, count(*) AS n FROM recent AS r GROUP BY r.item_id
    ),
    pairs AS (
        SELECT a.item_id, b.item_id AS neighbor_id, count(*) AS together
        FROM recent AS a
        JOIN uncovered AS u ON u.item_id = a.item_id
        JOIN recent AS b ON b.user_id = a.user_id AND b.item_id <> a.item_id
        GROUP BY a.item_id, b.item_id
        HAVING count(*) >= 2
    ),
    ranked AS (
        SELECT p.item_id, p.neighbor_id, p.together / sqrt(na.n::float8 * nb.n) AS score,
               row_number() OVER (PARTITION BY p.item_id
                                  ORDER BY p.together / sqrt(na.n::float8 * nb.n) DESC, p.neighbor_id) AS rn
        FROM pairs AS p
        JOIN item_users AS na ON na.item_id = p.item_id
        JOIN item_users AS nb ON nb.item_id = p.neighbor_id
    )
    INSERT INTO pgrec.item_neighbors (item_id, neighbor_id, score, source)
    SELECT r.item_id, r.neighbor_id, r.score, 'history'
    FROM ranked AS r
    WHERE r.rn <= 50
    ON CONFLICT (item_id, neighbor_id) DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_neighbors_history() IS
'Refresh step neighbors_history: co-occurrence neighbours over all history for items the 180-day neighbors step left without any (source ''history''). Returns rows written.';
