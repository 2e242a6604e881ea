-- Signal "collaborative": items that people who liked what this user liked also liked.
--   score(i) = sum over history items h of  neighbour_score(h, i) x strength(h)
-- where strength(h) is the user's strongest positive event on h (event weight, rating
-- value) decayed as exp(-age / history_tau), and neighbour_score comes from
-- pgrec.item_neighbors (co-occurrence, or a stronger offline model written into the same
-- table). Only the 50 strongest history items count, and only the p_limit best neighbours are
-- returned: the cost stays flat however long the history is. Scores are divided by the best
-- one (0..1); `because` is the history item that contributed most, for "because you liked".
-- Serving only reads precomputed neighbour rows: the refresh step neighbors writes
-- co-occurrence rows, and an offline model (app/models, e.g. EASE) may write rows under its
-- own source. For a history item that has model rows, only those count: model weights and
-- co-occurrence cosines are on different scales and must not be summed together.
CREATE FUNCTION rec._collaborative(p_items bigint[], p_strengths double precision[], p_limit integer)
RETURNS TABLE (item_id bigint, value double precision, because bigint)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    WITH liked AS (
        SELECT h.item_id, h.strength,
               -- The model source for this item if one wrote rows (partial index
               -- item_neighbors_models: a probe into an index that is empty without models).
               coalesce((SELECT min(x.source) FROM pgrec.item_neighbors AS x
                         WHERE x.item_id = h.item_id AND x.source <> 'cooccurrence'), 'cooccurrence') AS source
        FROM unnest(p_items, p_strengths) AS h(item_id, strength)
        WHERE h.strength > 0
        ORDER BY h.strength DESC, h.item_id
        LIMIT 50
    ),
    summed AS (
        SELECT nb.neighbor_id,
               sum(nb.score * l.strength) AS raw,
               -- The biggest contributor, ties to the lowest id, without a sort per group.
               -(max(ARRAY[nb.score * l.strength, -l.item_id]))[2]::bigint AS because
        FROM liked AS l
        JOIN pgrec.item_neighbors AS nb ON nb.item_id = l.item_id AND nb.source = l.source
        GROUP BY nb.neighbor_id
    )
    SELECT s.neighbor_id, s.raw / max(s.raw) OVER (), s.because
    FROM summed AS s
    ORDER BY s.raw DESC, s.neighbor_id
    LIMIT p_limit;
$$;
COMMENT ON FUNCTION rec._collaborative(bigint[], double precision[], integer) IS
'Internal signal "collaborative": neighbours of the user''s strongest positive items, scored by neighbour score x decayed strength, scaled to 0..1 by the best; with the history item behind each.';
