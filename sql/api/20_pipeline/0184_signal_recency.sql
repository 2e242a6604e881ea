-- Signal "recency": exp(-age_days / tau) for freshness, with a boost while the item is younger
-- than 24 hours. A new item has no engagement yet, so without the boost every
-- engagement-weighted strategy would bury it before anyone could see it (exploration):
--     0.8 exp(-age / tau) + 0.2 [age < 1 day]                 the flat boost (p_new_boost NULL)
--     exp(-age / tau) x (1 if age < 1 day else 1 / boost)       a strategy's factor (a
--                                                               marketplace's 1.5: a listing of
--                                                               the last day counts 1.5 times)
-- The factor is a strategy parameter (pgrec.strategies.recency_new_boost), divided out so the
-- value stays within 0..1. Strictly decreasing with age either way, so a list ranked on recency
-- alone is newest first.
CREATE FUNCTION rec._signal_recency(p_age_days double precision, p_tau_days double precision,
                                    p_new_boost double precision DEFAULT NULL)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_new_boost IS NULL
                THEN 0.8 * rec._decay(p_age_days / p_tau_days) + CASE WHEN p_age_days < 1 THEN 0.2 ELSE 0 END
                ELSE rec._decay(p_age_days / p_tau_days) * CASE WHEN p_age_days < 1 THEN 1 ELSE 1 / p_new_boost END
           END;
$$;
COMMENT ON FUNCTION rec._signal_recency(double precision, double precision, double precision) IS
'Internal signal "recency": 0.8 exp(-age_days / tau) + 0.2 while younger than 24 hours, or exp(-age_days / tau) divided by the strategy''s boost factor once older than a day.';
