-- Refresh step "neighbors": item-to-item cosine similarity over co-occurring positive events,
--   sim(a, b) = users(a and b) / sqrt(users(a) * users(b)),
-- keeping the 50 best neighbours per item. Two caps bound the cost on large histories: only
-- the last 180 days, and only each user's 50 most recent positive items (rec._recent_positive).
CREATE FUNCTION rec._refresh_neighbors()
RETURNS bigint
-- work_mem: the pair aggregation is one large hash join; memory rather than spilling to disk.
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_rows bigint;
BEGIN

    DELETE FROM pgrec.item_neighbors WHERE source = 'cooccurrence';
    WITH recent AS (
        SELECT r.user_id, r.item_id FROM rec._recent_positive(rec.now() - interval '180 days', rec.now()) AS r
    ),
    item_users AS (
        SELECT item_id, count(*) AS n FROM recent GROUP BY item_id
    ),
    pairs AS (
        SELECT a.item_id, b.item_id AS neighbor_id, count(*) AS together
        FROM recent AS a
        JOIN recent AS b ON b.user_id = a.user_id AND b.item_id <> a.item_id
        GROUP BY a.item_id, b.item_id
        -- One shared user is coincidence, not evidence.
        HAVING count(*) >= 2
    ),
    ranked AS (
        SELECT p.item_id, p.neighbor_id,
               p.together / sqrt(na.n::float8 * nb.n) AS score,
               row_number() OVER (PARTITION BY p.item_id
                                  ORDER BY p.together / sqrt(na.n::float8 * nb.n) DESC, p.neighbor_id) AS rn
        FROM pairs AS p
        JOIN item_users AS na ON na.item_id = p.item_id
        JOIN item_users AS nb ON nb.item_id = p.neighbor_id
    )
    INSERT INTO pgrec.item_neighbors (item_id, neighbor_id, score, source)
    SELECT item_id, neighbor_id, score, 'cooccurrence'
    FROM ranked
    WHERE rn <= 50
    -- A stronger model's row for the same pair wins; co-occurrence only fills the gaps.
    ON CONFLICT (item_id, neighbor_id) DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_neighbors() IS 'Refresh step neighbors: item-item co-occurrence cosine, top 50 per item. Returns rows written.';
