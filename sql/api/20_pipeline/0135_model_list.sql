-- Signals "ease" and "als": a user's best items by a fitted model, kept real time.
--   ease  the per-user list the fit computed (pgrec.user_candidates: the user's history times
--         the EASE weights, over the whole history), plus, for every item the user engaged with
--         positively since that fit (an event newer than the last one the fit read,
--         pgrec.models.last_event_id), its EASE neighbour rows (pgrec.item_neighbors, source
--         ease) with strength 1; a user the fit did not see gets the neighbour rows of all
--         their positive items (rec._collaborative)
--   als   the per-user list the fit computed (inner products of the user's and the items'
--         factors); a user the fit did not see gets the items nearest, by inner product, to the
--         mean factor of their positive items (HNSW on pgrec.item_factors)
-- Scaled so the best is 1. `because` is known for the neighbour rows only.
CREATE FUNCTION rec._model_list(p_model text, p_user_id bigint, p_items bigint[], p_strengths double precision[],
                                p_events bigint[], p_limit integer)
RETURNS TABLE (item_id bigint, value double precision, because bigint)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_stored pgrec.user_candidates;
    v_model  pgrec.models;
    v_mean   public.vector;
BEGIN
    SELECT * INTO v_model FROM pgrec.models AS m WHERE m.name = p_model;
    SELECT * INTO v_stored FROM pgrec.user_candidates AS c WHERE c.user_id = p_user_id AND c.model = p_model;
    IF v_model.kind = 'als' THEN
        IF v_stored.user_id IS NOT NULL THEN
            RETURN QUERY SELECT u.item_id, u.score / max(u.score) OVER (), NULL::bigint
                         FROM unnest(v_stored.items, v_stored.scores::double precision[]) AS u(item_id, score)
                         WHERE u.score > 0
                         LIMIT p_limit;
        ELSE
            SELECT public.avg(f.factor) INTO v_mean
            FROM unnest(p_items) AS h(item_id) JOIN pgrec.item_factors AS f ON f.item_id = h.item_id;
            IF v_mean IS NOT NULL THEN
                RETURN QUERY SELECT x.item_id, x.score / max(x.score) OVER (), NULL::bigint
                             FROM (SELECT f.item_id, -(f.factor OPERATOR(public.<#>) v_mean) AS score
                                   FROM pgrec.item_factors AS f
                                   ORDER BY f.factor OPERATOR(public.<#>) v_mean
                                   LIMIT p_limit) AS x
                             WHERE x.score > 0;
            END IF;
        END IF;
        RETURN;
    END IF;
    IF v_stored.user_id IS NULL THEN
        RETURN QUERY SELECT * FROM rec._collaborative(p_model, p_items, p_strengths, p_limit);
        RETURN;
    END IF;
    RETURN QUERY
    WITH fitted AS (
        SELECT u.item_id, u.score::double precision AS raw, NULL::bigint AS because
        FROM unnest(v_stored.items, v_stored.scores) AS u(item_id, score)
    ),
    since AS (
        SELECT nb.neighbor_id AS item_id, sum(nb.score)::double precision AS raw,
               -(max(ARRAY[nb.score, -a.item_id]))[2]::bigint AS because
        FROM unnest(p_items, p_events) AS a(item_id, event_id)
        JOIN pgrec.item_neighbors AS nb ON nb.item_id = a.item_id AND nb.source = p_model
        WHERE a.event_id > coalesce(v_model.last_event_id, 0)
        GROUP BY nb.neighbor_id
    ),
    merged AS (
        SELECT m.item_id, sum(m.raw) AS raw, max(m.because) AS because
        FROM (SELECT * FROM fitted UNION ALL SELECT * FROM since) AS m
        GROUP BY m.item_id
    )
    SELECT m.item_id, m.raw / max(m.raw) OVER (), m.because
    FROM merged AS m
    WHERE m.raw > 0
    ORDER BY m.raw DESC, m.item_id
    LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION rec._model_list(text, bigint, bigint[], double precision[], bigint[], integer) IS
'Internal signals "ease" and "als": the user''s best items by a fitted model (stored at fit time, plus neighbour rows of what they liked since), scaled to 0..1.';
