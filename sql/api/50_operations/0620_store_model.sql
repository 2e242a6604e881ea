-- Writing a fitted model back, in the fit's one transaction (readers keep the previous model
-- until it commits): rec.clear_model, then any of rec.store_neighbors, rec.store_user_candidates
-- and rec.store_factors in chunks, then rec.record_model_fit. Internal ids, as
-- rec.model_interactions gave them.

-- Remove everything a model wrote: its neighbour rows, per-user candidates and factors.
CREATE FUNCTION rec.clear_model(model text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pgrec.models AS m WHERE m.name = clear_model.model) THEN
        RAISE EXCEPTION 'unknown model "%"', model USING ERRCODE = '22023';
    END IF;
    DELETE FROM pgrec.item_neighbors AS n WHERE n.source = clear_model.model;
    DELETE FROM pgrec.user_candidates AS c WHERE c.model = clear_model.model;
    IF (SELECT m.kind FROM pgrec.models AS m WHERE m.name = clear_model.model) = 'als' THEN
        DELETE FROM pgrec.item_factors;
        DELETE FROM pgrec.user_factors;
    END IF;
END;
$$;
COMMENT ON FUNCTION rec.clear_model(text) IS 'Model fits: remove a model''s neighbour rows, per-user candidates and (ALS) factors before writing a new fit.';

-- Neighbour rows: item_ids[k]'s neighbour neighbor_ids[k] with scores[k] (> 0).
CREATE FUNCTION rec.store_neighbors(model text, item_ids bigint[], neighbor_ids bigint[], scores real[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF cardinality(item_ids) IS DISTINCT FROM cardinality(neighbor_ids) OR cardinality(item_ids) IS DISTINCT FROM cardinality(scores) THEN
        RAISE EXCEPTION 'item_ids, neighbor_ids and scores must have the same length' USING ERRCODE = '22023';
    END IF;
    INSERT INTO pgrec.item_neighbors (item_id, source, neighbor_id, score)
    SELECT u.i, model, u.j, u.s FROM unnest(item_ids, neighbor_ids, scores) AS u(i, j, s)
    WHERE u.s > 0 AND u.i <> u.j
    ORDER BY u.i, u.j;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.store_neighbors(text, bigint[], bigint[], real[]) IS 'Model fits: append neighbour rows (item, neighbour, score > 0) under the model''s source.';

-- Per-user candidates: the triples (user_ids[k], item_ids[k], scores[k]) of whole users, kept
-- best first per user.
CREATE FUNCTION rec.store_user_candidates(model text, user_ids bigint[], item_ids bigint[], scores real[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF cardinality(user_ids) IS DISTINCT FROM cardinality(item_ids) OR cardinality(user_ids) IS DISTINCT FROM cardinality(scores) THEN
        RAISE EXCEPTION 'user_ids, item_ids and scores must have the same length' USING ERRCODE = '22023';
    END IF;
    INSERT INTO pgrec.user_candidates (user_id, model, items, scores, as_of)
    SELECT u.u, store_user_candidates.model, array_agg(u.i ORDER BY u.s DESC, u.i), array_agg(u.s ORDER BY u.s DESC, u.i), rec.now()
    FROM unnest(user_ids, item_ids, scores) AS u(u, i, s)
    GROUP BY u.u
    ORDER BY u.u
    ON CONFLICT ON CONSTRAINT user_candidates_pkey DO UPDATE SET items = excluded.items, scores = excluded.scores, as_of = excluded.as_of;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.store_user_candidates(text, bigint[], bigint[], real[]) IS 'Model fits: store per-user candidate lists from (user, item, score) triples, best first.';

-- Latent factors of an ALS fit: kind 'item' or 'user'.
CREATE FUNCTION rec.store_factors(kind text, ids bigint[], factors public.vector[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows bigint;
BEGIN
    IF cardinality(ids) IS DISTINCT FROM cardinality(factors) THEN
        RAISE EXCEPTION 'ids and factors must have the same length' USING ERRCODE = '22023';
    END IF;
    IF kind = 'item' THEN
        INSERT INTO pgrec.item_factors (item_id, factor)
        SELECT u.id, u.f FROM unnest(ids, factors) AS u(id, f) ORDER BY u.id
        ON CONFLICT (item_id) DO UPDATE SET factor = excluded.factor;
    ELSIF kind = 'user' THEN
        INSERT INTO pgrec.user_factors (user_id, factor)
        SELECT u.id, u.f FROM unnest(ids, factors) AS u(id, f) ORDER BY u.id
        ON CONFLICT (user_id) DO UPDATE SET factor = excluded.factor;
    ELSE
        RAISE EXCEPTION 'kind must be item or user, got %', coalesce(kind, 'null') USING ERRCODE = '22023';
    END IF;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.store_factors(text, bigint[], public.vector[]) IS 'Model fits: store ALS item or user factors (64 dimensions).';

-- The fit's facts, for rec.models() and the dashboard.
CREATE FUNCTION rec.record_model_fit(model text, seconds double precision, training_events bigint, users bigint,
                                     items_covered bigint, metrics jsonb, last_event_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    UPDATE pgrec.models AS m
    SET fitted_at = now(), as_of = rec.now(), seconds = record_model_fit.seconds,
        training_events = record_model_fit.training_events, users = record_model_fit.users,
        items_covered = record_model_fit.items_covered, metrics = record_model_fit.metrics,
        last_event_id = record_model_fit.last_event_id
    WHERE m.name = record_model_fit.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown model "%"', model USING ERRCODE = '22023';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec.record_model_fit(text, double precision, bigint, bigint, bigint, jsonb, bigint) IS 'Model fits: record when, on what (up to which event) and how well a model was fitted.';

-- The newest event id: a fit reads it before its interactions, so events that arrive while it
-- runs count again at serving rather than not at all.
CREATE FUNCTION rec.last_event_id()
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(max(e.id), 0) FROM pgrec.events AS e;
$$;
COMMENT ON FUNCTION rec.last_event_id() IS 'Model fits: the newest event id (read before the interactions a fit learns from).';
