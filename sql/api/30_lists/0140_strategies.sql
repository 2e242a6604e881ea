-- The ranking strategies, the list each serves, their weights and parameters:
--   SELECT name, weights FROM rec.strategies() WHERE list = 'feed';
CREATE FUNCTION rec.strategies()
RETURNS TABLE (name text, description text, personalized boolean, weights jsonb, parameters jsonb, list text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT s.name, s.description, s.personalized, s.weights,
           jsonb_build_object('history_tau_days', s.history_tau_days, 'recency_tau_days', s.recency_tau_days,
                              'candidate_limit', s.candidate_limit, 'sources', s.sources,
                              'diversity_penalty', s.diversity_penalty,
                              'max_per_category', s.max_per_category, 'category_window', s.category_window,
                              'exclusion_policy', s.exclusion_policy, 'cold_start', s.cold_start,
                              'fallback', s.fallback, 'recency_new_boost', s.recency_new_boost,
                              'distance_limit_km', s.distance_limit_km),
           s.list
    FROM pgrec.strategies AS s
    ORDER BY s.list, s.name;
$$;
COMMENT ON FUNCTION rec.strategies() IS 'Ranking strategies: name, description, personalized, weights {signal: weight}, parameters (incl. exclusion policy and cold-start strategy), and the list each serves.';
