-- Writing what `pgrec tune` found: a fitted strategy beside the preset it was fitted against,
-- and the parameters the models are fitted with.

-- The strategy `name` (e.g. tuned) as a copy of the preset `tuned_from` (e.g. default) with the
-- fitted weights and parameters (any of history_tau_days, recency_tau_days, candidate_limit,
-- diversity_penalty, max_per_category, category_window, cold_start) and what replay measured;
-- the rest (sources, policy, the recency boost factor) as the preset has it.
-- metrics.better = true makes rec.feed without a strategy serve it.
CREATE FUNCTION rec.store_tuned_strategy(name text, tuned_from text, weights jsonb, parameters jsonb, metrics jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_base pgrec.strategies;
    v_bad  text;
BEGIN
    SELECT * INTO v_base FROM pgrec.strategies AS s WHERE s.name = store_tuned_strategy.tuned_from;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown strategy "%"', tuned_from USING ERRCODE = '22023';
    END IF;
    IF name IS NULL OR name !~ '^[a-z][a-z0-9_]{0,39}$' THEN
        RAISE EXCEPTION 'name must be 1..40 lower-case letters, digits or _, starting with a letter' USING ERRCODE = '22023';
    END IF;
    IF name = tuned_from OR EXISTS (SELECT FROM pgrec.strategies AS s
                                                    WHERE s.name = store_tuned_strategy.name AND s.tuned_from IS NULL) THEN
        RAISE EXCEPTION 'strategy "%" is a preset or the base itself; a tuned strategy needs its own name', name
            USING ERRCODE = '22023';
    END IF;
    IF jsonb_typeof(weights) IS DISTINCT FROM 'object' OR jsonb_typeof(parameters) IS DISTINCT FROM 'object'
       OR jsonb_typeof(metrics) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'weights, parameters and metrics must be JSON objects' USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(k, ', ' ORDER BY k) INTO v_bad
    FROM jsonb_object_keys(parameters) AS k
    WHERE k NOT IN ('history_tau_days', 'recency_tau_days', 'candidate_limit', 'diversity_penalty',
                    'max_per_category', 'category_window', 'cold_start');
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown strategy parameters: %', v_bad USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(p.key, ', ' ORDER BY p.key) INTO v_bad
    FROM jsonb_each(parameters) AS p
    WHERE CASE p.key
              WHEN 'cold_start' THEN jsonb_typeof(p.value) <> 'string'
                                     OR NOT EXISTS (SELECT FROM pgrec.strategies AS s
                                                    WHERE s.name = p.value #>> '{}' AND s.list = v_base.list)
              ELSE jsonb_typeof(p.value) <> 'number'
                   OR (p.value #>> '{}')::float8 NOT BETWEEN
                      CASE p.key WHEN 'candidate_limit' THEN 10 WHEN 'diversity_penalty' THEN 0 ELSE 1 END
                      AND CASE p.key WHEN 'candidate_limit' THEN 2000 WHEN 'diversity_penalty' THEN 1
                                     WHEN 'max_per_category' THEN 100 WHEN 'category_window' THEN 100 ELSE 100000 END
          END;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'strategy parameters out of range: %', v_bad USING ERRCODE = '22023',
            HINT = 'candidate_limit 10..2000, diversity_penalty 0..1, max_per_category and category_window 1..100, '
                   'tau days 1..100000, cold_start a strategy of the same list.';
    END IF;
    IF coalesce((parameters ->> 'max_per_category')::integer, v_base.max_per_category)
       > coalesce((parameters ->> 'category_window')::integer, v_base.category_window) THEN
        RAISE EXCEPTION 'max_per_category must not exceed category_window' USING ERRCODE = '22023';
    END IF;
    IF octet_length(metrics::text) > 1000000 THEN
        RAISE EXCEPTION 'metrics must be at most 1 MB' USING ERRCODE = '22023';
    END IF;
    -- The table's constraint would reject these too, but as 23514; callers get 22023 and the keys.
    SELECT string_agg(w.k, ', ' ORDER BY w.k) INTO v_bad
    FROM jsonb_each(weights) AS w(k, v)
    WHERE w.k NOT IN (SELECT f.signal FROM pgrec.feed_signals AS f)
       OR jsonb_typeof(w.v) <> 'number' OR (w.v #>> '{}')::float8 < 0 OR (w.v #>> '{}')::float8 > 1000;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'strategy "%": bad weights for %', name, left(v_bad, 500) USING ERRCODE = '22023',
            HINT = 'Weights are {signal: number 0..1000}; signals are listed in pgrec.feed_signals.';
    END IF;
    INSERT INTO pgrec.strategies AS s (name, list, description, weights, personalized, cold_start, exclusion_policy,
                                       fallback, history_tau_days, recency_tau_days, candidate_limit, sources,
                                       diversity_penalty, max_per_category, category_window, tuned_from, fitted_at,
                                       metrics, recency_new_boost, distance_limit_km)
    VALUES (name, v_base.list, 'Fitted by pgrec tune against ' || tuned_from || ' on this installation''s own events.',
            weights, v_base.personalized,
            CASE WHEN parameters ? 'cold_start' THEN parameters ->> 'cold_start' ELSE v_base.cold_start END,
            v_base.exclusion_policy, v_base.fallback,
            coalesce((parameters ->> 'history_tau_days')::float8, v_base.history_tau_days),
            coalesce((parameters ->> 'recency_tau_days')::float8, v_base.recency_tau_days),
            coalesce((parameters ->> 'candidate_limit')::integer, v_base.candidate_limit),
            v_base.sources,
            coalesce((parameters ->> 'diversity_penalty')::float8, v_base.diversity_penalty),
            coalesce((parameters ->> 'max_per_category')::integer, v_base.max_per_category),
            coalesce((parameters ->> 'category_window')::integer, v_base.category_window),
            tuned_from, now(), metrics, v_base.recency_new_boost,
            v_base.distance_limit_km)
    ON CONFLICT ON CONSTRAINT strategies_pkey DO UPDATE
    SET list = excluded.list, description = excluded.description, weights = excluded.weights,
        personalized = excluded.personalized, cold_start = excluded.cold_start,
        exclusion_policy = excluded.exclusion_policy, fallback = excluded.fallback,
        history_tau_days = excluded.history_tau_days, recency_tau_days = excluded.recency_tau_days,
        candidate_limit = excluded.candidate_limit, sources = excluded.sources,
        diversity_penalty = excluded.diversity_penalty, max_per_category = excluded.max_per_category,
        category_window = excluded.category_window, tuned_from = excluded.tuned_from,
        fitted_at = excluded.fitted_at, metrics = excluded.metrics, recency_new_boost = excluded.recency_new_boost,
        distance_limit_km = excluded.distance_limit_km;
END;
$$;
COMMENT ON FUNCTION rec.store_tuned_strategy(text, text, jsonb, jsonb, jsonb) IS
'pgrec tune: store a fitted strategy as a copy of a preset with fitted weights, parameters and replay metrics (metrics.better makes it the default feed).';

-- What a model's parameters may be: the keys its kind reads, each in the range a fit can run
-- with on this kind of server (max_items bounds EASE's dense inverse, iterations ALS's time).
-- Names the first bad key.
CREATE FUNCTION rec._check_model_parameters(p_kind text, p_parameters jsonb) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_key   text;
    v_value jsonb;
    v_ok    boolean;
    v_limits constant jsonb := jsonb_build_object(
        'half_life_days', '[1, 100000]'::jsonb, 'max_items_per_user', '[1, 100000]'::jsonb,
        'beta', '[0, 1]'::jsonb, 'min_support', '[1, 1000]'::jsonb, 'neighbors', '[1, 1000]'::jsonb,
        'max_items', '[2, 20000]'::jsonb, 'candidates', '[1, 1000]'::jsonb,
        'regularization', '[1e-9, 1000000]'::jsonb, 'iterations', '[1, 100]'::jsonb,
        'alpha', '[1e-9, 1000000]'::jsonb, 'incremental_walks', '[0, 1e10]'::jsonb,
        'incremental_min_change', '[0, 1]'::jsonb);
    v_kinds constant jsonb := jsonb_build_object(
        'itemknn', '["strengths", "half_life_days", "decay", "max_items_per_user", "beta", "min_support", "neighbors",
                       "incremental_walks", "incremental_min_change"]'::jsonb,
        'ease', '["strengths", "half_life_days", "decay", "max_items", "lambdas", "neighbors", "candidates"]'::jsonb,
        'als', '["strengths", "half_life_days", "decay", "regularization", "iterations", "alpha", "candidates"]'::jsonb);
BEGIN
    FOR v_key, v_value IN SELECT * FROM jsonb_each(p_parameters) LOOP
        IF NOT (v_kinds -> p_kind) ? v_key THEN
            RAISE EXCEPTION 'a % model has no parameter "%"', p_kind, left(v_key, 100) USING ERRCODE = '22023',
                HINT = 'Parameters: ' || (SELECT string_agg(k, ', ') FROM jsonb_array_elements_text(v_kinds -> p_kind) AS k);
        END IF;
        v_ok := CASE
            WHEN v_key = 'strengths' THEN
                jsonb_typeof(v_value) = 'object' AND NOT EXISTS (
                    SELECT FROM jsonb_each(v_value) AS w(type, strength)
                    WHERE NOT EXISTS (SELECT FROM pgrec.event_types AS t WHERE t.type = w.type)
                       OR jsonb_typeof(w.strength) <> 'number' OR (w.strength #>> '{}')::float8 NOT BETWEEN 0 AND 1)
            WHEN v_key = 'decay' THEN v_value #>> '{}' IN ('user', 'now') AND jsonb_typeof(v_value) = 'string'
            WHEN v_key = 'half_life_days' AND jsonb_typeof(v_value) = 'null' THEN true
            WHEN v_key = 'lambdas' THEN
                jsonb_typeof(v_value) = 'array' AND jsonb_array_length(v_value) BETWEEN 1 AND 10
                AND NOT EXISTS (SELECT FROM jsonb_array_elements(v_value) AS l(v)
                                WHERE jsonb_typeof(l.v) <> 'number' OR (l.v #>> '{}')::float8 NOT BETWEEN 1e-6 AND 1e7)
            ELSE jsonb_typeof(v_value) = 'number'
                 AND (v_value #>> '{}')::float8 BETWEEN (v_limits -> v_key ->> 0)::float8 AND (v_limits -> v_key ->> 1)::float8
        END;
        IF NOT v_ok THEN
            RAISE EXCEPTION 'parameter "%" of a % model is out of range: %', v_key, p_kind, left(v_value::text, 100)
                USING ERRCODE = '22023',
                      HINT = CASE WHEN v_key = 'strengths' THEN 'An object {event type: 0..1}.'
                                  WHEN v_key = 'decay' THEN '"user" or "now".'
                                  WHEN v_key = 'lambdas' THEN '1 to 10 positive numbers.'
                                  WHEN v_key = 'half_life_days' THEN 'null (no decay) or 1..100000 days.'
                                  ELSE format('A number in %s.', v_limits -> v_key) END;
        END IF;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION rec._check_model_parameters(text, jsonb) IS 'Internal: a model''s parameters are the keys its kind reads, each in range.';

-- The parameters a model is fitted with (pgrec.models.parameters), merged over the current ones.
CREATE FUNCTION rec.set_model_parameters(model text, parameters jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_result jsonb;
BEGIN
    IF jsonb_typeof(parameters) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'parameters must be a JSON object' USING ERRCODE = '22023';
    END IF;
    PERFORM rec._check_model_parameters((SELECT m.kind FROM pgrec.models AS m WHERE m.name = set_model_parameters.model),
                                        parameters);
    UPDATE pgrec.models AS m SET parameters = m.parameters || set_model_parameters.parameters
    WHERE m.name = set_model_parameters.model
    RETURNING m.parameters INTO v_result;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown model "%"', model USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(m.name, ', ' ORDER BY m.name) FROM pgrec.models AS m);
    END IF;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION rec.set_model_parameters(text, jsonb) IS
'Set parameters of a model (merged over the current ones); the next fit uses them. Returns the new parameters.';
