-- Writing what `pgrec tune` found: a fitted strategy beside the preset it was fitted against,
-- and the parameters the models are fitted with.

-- The strategy `name` (e.g. tuned) as a copy of the preset `tuned_from` (e.g. default) with the
-- fitted weights and parameters (any of history_tau_days, recency_tau_days, candidate_limit,
-- diversity_penalty, max_per_category, category_window, cold_start) and what replay measured.
-- metrics.better = true makes rec.feed without a strategy serve it.
CREATE FUNCTION rec.store_tuned_strategy(name text, tuned_from text, weights jsonb, parameters jsonb, metrics jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_base pgrec.strategies;
    v_bad  text;
BEGIN
    SELECT * INTO v_base FROM pgrec.strategies AS s WHERE s.name = store_tuned_strategy.tuned_from;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown strategy "%"', tuned_from USING ERRCODE = '22023';
    END IF;
    IF name IS NULL OR name = tuned_from OR EXISTS (SELECT FROM pgrec.strategies AS s
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
    INSERT INTO pgrec.strategies AS s (name, list, description, weights, personalized, cold_start, exclusion_policy,
                                       fallback, history_tau_days, recency_tau_days, candidate_limit, sources,
                                       diversity_penalty, max_per_category, category_window, tuned_from, fitted_at,
                                       metrics)
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
            tuned_from, now(), metrics)
    ON CONFLICT ON CONSTRAINT strategies_pkey DO UPDATE
    SET list = excluded.list, description = excluded.description, weights = excluded.weights,
        personalized = excluded.personalized, cold_start = excluded.cold_start,
        exclusion_policy = excluded.exclusion_policy, fallback = excluded.fallback,
        history_tau_days = excluded.history_tau_days, recency_tau_days = excluded.recency_tau_days,
        candidate_limit = excluded.candidate_limit, sources = excluded.sources,
        diversity_penalty = excluded.diversity_penalty, max_per_category = excluded.max_per_category,
        category_window = excluded.category_window, tuned_from = excluded.tuned_from,
        fitted_at = excluded.fitted_at, metrics = excluded.metrics;
END;
$$;
COMMENT ON FUNCTION rec.store_tuned_strategy(text, text, jsonb, jsonb, jsonb) IS
'pgrec tune: store a fitted strategy as a copy of a preset with fitted weights, parameters and replay metrics (metrics.better makes it the default feed).';

-- The parameters a model is fitted with (pgrec.models.parameters), merged over the current ones.
CREATE FUNCTION rec.set_model_parameters(model text, parameters jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_result jsonb;
BEGIN
    IF jsonb_typeof(parameters) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'parameters must be a JSON object' USING ERRCODE = '22023';
    END IF;
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
