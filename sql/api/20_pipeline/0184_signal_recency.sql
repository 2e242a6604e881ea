-- Signal "recency": exp(-age_days / tau) for freshness, plus a flat boost while the item is
-- younger than 24 hours. A new item has no engagement yet, so without the boost every
-- engagement-weighted strategy would bury it before anyone could see it (exploration):
--     0.8 exp(-age / tau) + 0.2 [age < 1 day]
-- Strictly decreasing with age, so a list ranked on recency alone is newest first.
CREATE FUNCTION rec._signal_recency(p_age_days double precision, p_tau_days double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT 0.8 * rec._decay(p_age_days / p_tau_days) + CASE WHEN p_age_days < 1 THEN 0.2 ELSE 0 END;
$$;
COMMENT ON FUNCTION rec._signal_recency(double precision, double precision) IS
'Internal signal "recency": 0.8 exp(-age_days / tau) + 0.2 while younger than 24 hours.';
