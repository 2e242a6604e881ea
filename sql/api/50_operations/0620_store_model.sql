-- Writing a fitted model back, in the fit's one transaction (readers keep the previous model
-- until it commits): rec.clear_model, then any of rec.store_neighbors, rec.store_user_candidates
-- and rec.store_factors in chunks, then rec.record_model_fit. Internal ids, as
-- rec.model_interactions gave them.

-- What every writer checks first: the model exists, the arrays are parallel and not null, the
-- ids are pgrec's own (items or users), the scores finite and positive, and a call stays a
-- chunk (a fit writes in many calls; one call cannot make the server hold gigabytes). It reads
-- users' shards and the writer then writes a reference table: on Citus the transaction goes
-- sequential first (rec._citus_sequential).
CREATE FUNCTION rec._check_model_rows(p_model text, p_kind text, p_ids bigint[], p_other bigint[],
                                      p_scores real[])
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_bad   bigint;
    v_known bigint[];
    v_items bigint[];
BEGIN
    PERFORM rec._citus_sequential();
    IF NOT EXISTS (SELECT FROM pgrec.models AS m WHERE m.name = p_model) THEN
        RAISE EXCEPTION 'unknown model "%"', left(p_model, 100) USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(m.name, ', ' ORDER BY m.name) FROM pgrec.models AS m);
    END IF;
    IF p_ids IS NULL OR p_other IS NULL OR p_scores IS NULL THEN
        RAISE EXCEPTION 'the id and score arrays must not be null' USING ERRCODE = '22004';
    END IF;
    IF cardinality(p_ids) <> cardinality(p_other) OR cardinality(p_ids) <> cardinality(p_scores) THEN
        RAISE EXCEPTION 'the id and score arrays must have the same length' USING ERRCODE = '22023';
    END IF;
    IF cardinality(p_ids) > 1000000 THEN
        RAISE EXCEPTION 'at most 1000000 rows per call, got %', cardinality(p_ids) USING ERRCODE = '22023';
    END IF;
    IF EXISTS (SELECT FROM unnest(p_ids, p_other, p_scores) AS u(a, b, s)
               WHERE u.a IS NULL OR u.b IS NULL OR u.s IS NULL OR u.s = 'NaN' OR u.s = 'Infinity' OR u.s = '-Infinity') THEN
        RAISE EXCEPTION 'ids must not be null and scores must be finite numbers' USING ERRCODE = '22023';
    END IF;
    -- Known ids looked up with the chunk's ids as values, then compared as arrays: on Citus a
    -- correlated subquery per id over the users' shards cannot be planned.
    IF p_kind = 'user' THEN
        v_known := ARRAY(SELECT u.id FROM pgrec.users AS u WHERE u.id = ANY (p_ids));
        SELECT x.id INTO v_bad
        FROM unnest(p_ids) AS x(id) LEFT JOIN unnest(v_known) AS k(id) ON k.id = x.id
        WHERE k.id IS NULL LIMIT 1;
    END IF;
    IF v_bad IS NULL THEN
        v_items := CASE WHEN p_kind = 'user' THEN p_other ELSE p_ids || p_other END;
        v_known := ARRAY(SELECT i.id FROM pgrec.items AS i WHERE i.id = ANY (v_items));
        SELECT x.id INTO v_bad
        FROM unnest(v_items) AS x(id) LEFT JOIN unnest(v_known) AS k(id) ON k.id = x.id
        WHERE k.id IS NULL LIMIT 1;
    END IF;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown id %', v_bad USING ERRCODE = 'P0002',
            HINT = 'Model rows use pgrec''s own ids, as rec.model_interactions gives them.';
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_model_rows(text, text, bigint[], bigint[], real[]) IS
'Internal: validate a chunk of model rows (known model, parallel non-null arrays, known ids, finite scores).';

-- Remove everything a model wrote: its neighbour rows, per-user candidates and factors.
CREATE FUNCTION rec.clear_model(model text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM rec._citus_sequential();
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
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_rows bigint;
BEGIN
    PERFORM rec._check_model_rows(model, 'item', item_ids, neighbor_ids, scores);
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
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_rows bigint;
BEGIN
    PERFORM rec._check_model_rows(model, 'user', user_ids, item_ids, scores);
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
CREATE FUNCTION rec.store_factors(kind text, ids bigint[], factors public.vector[]) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_rows bigint;
BEGIN
    PERFORM rec._citus_sequential();
    IF ids IS NULL OR factors IS NULL OR cardinality(ids) <> cardinality(factors) THEN
        RAISE EXCEPTION 'ids and factors must be arrays of the same length' USING ERRCODE = '22023';
    END IF;
    IF cardinality(ids) > 100000 OR array_position(ids, NULL) IS NOT NULL OR array_position(factors, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'at most 100000 factors per call, none null' USING ERRCODE = '22023';
    END IF;
    -- Known ids as an array first (see rec._check_model_rows).
    IF kind = 'item' AND cardinality(ARRAY(SELECT i.id FROM pgrec.items AS i WHERE i.id = ANY (ids))) < cardinality(ARRAY(SELECT DISTINCT unnest(ids)))
       OR kind = 'user' AND cardinality(ARRAY(SELECT u.id FROM pgrec.users AS u WHERE u.id = ANY (ids))) < cardinality(ARRAY(SELECT DISTINCT unnest(ids))) THEN
        RAISE EXCEPTION 'unknown % id in ids', kind USING ERRCODE = 'P0002';
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
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM rec._citus_sequential();
    IF seconds IS NULL OR NOT (seconds >= 0 AND seconds < 'Infinity') OR training_events < 0 OR users < 0
       OR items_covered < 0 OR last_event_id < 0 THEN
        RAISE EXCEPTION 'seconds must be a finite number >= 0 and the counts >= 0' USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(metrics) IS DISTINCT FROM 'object' OR octet_length(metrics::text) > 1000000 THEN
        RAISE EXCEPTION 'metrics must be a JSON object (at most 1 MB)' USING ERRCODE = '22023';
    END IF;
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
-- On Citus it also puts the transaction in sequential mode: it is a fit's first read, and the
-- fit then writes reference tables (pgrec.item_neighbors, pgrec.models) in the same transaction,
-- which Citus allows only when no query before them read the shards in parallel.
CREATE FUNCTION rec.last_event_id() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    PERFORM rec._citus_sequential();
    RETURN (SELECT coalesce(max(e.id), 0) FROM pgrec.events AS e);
END;
$$;
COMMENT ON FUNCTION rec.last_event_id() IS 'Model fits: the newest event id (read before the interactions a fit learns from).';
