-- exp(-x) for decays (recency, history, distance, price), with two guards every caller needs:
-- far beyond any meaningful horizon (x >= 50, a factor below 2e-22) the result is exactly 0,
-- so explanations show 0 instead of 1e-305 and exp never underflows; a negative x (an event
-- "in the future" within the clock-skew tolerance) counts as 0, never as a boost.
-- A plain expression without SET, so callers inline it.
CREATE FUNCTION rec._decay(p_x double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_x >= 50 THEN 0::double precision ELSE pg_catalog.exp(-greatest(p_x, 0)) END;
$$;
COMMENT ON FUNCTION rec._decay(double precision) IS 'Internal: exp(-x), 0 for x >= 50, 1 for x <= 0.';
