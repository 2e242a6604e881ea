-- Signal "recency": exp(-age_days / tau) for freshness, plus a flat boost while the item is
-- younger than 24 hours. A new item has no engagement yet, so without the boost every
-- engagement-weighted strategy would bury it before anyone could see it (exploration):
--     0.8 * exp(-age / tau) + 0.2 * [age < 1 day]
CREATE FUNCTION rec._signal_recency(p_created_at timestamptz, p_now timestamptz, p_tau_days double precision)
RETURNS double precision
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 0.8 * pg_catalog.exp(greatest(-greatest(pg_catalog.date_part('epoch', p_now - p_created_at) / 86400, 0) / p_tau_days, -700))
           + CASE WHEN p_now - p_created_at < interval '1 day' THEN 0.2 ELSE 0 END;
$$;
COMMENT ON FUNCTION rec._signal_recency(timestamptz, timestamptz, double precision) IS
'Internal signal "recency": 0.8 exp(-age_days / tau) + 0.2 while younger than 24 hours.';
