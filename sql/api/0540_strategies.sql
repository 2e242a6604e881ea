-- The ranking strategies rec.feed accepts, with their weights and parameters:
--   SELECT name, weights FROM rec.strategies();
CREATE FUNCTION rec.strategies()
RETURNS TABLE (name text, description text, personalized boolean, weights jsonb, parameters jsonb)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT s.name, s.description, s.personalized, s.weights,
           jsonb_build_object('history_tau_days', s.history_tau_days, 'recency_tau_days', s.recency_tau_days,
                              'candidate_limit', s.candidate_limit, 'diversity_penalty', s.diversity_penalty,
                              'max_per_category', s.max_per_category, 'category_window', s.category_window,
                              'exclude_viewed', s.exclude_viewed)
    FROM pgrec.strategies AS s
    ORDER BY s.name;
$$;
COMMENT ON FUNCTION rec.strategies() IS 'Ranking strategies for rec.feed: name, description, personalized, weights {signal: weight}, parameters.';
