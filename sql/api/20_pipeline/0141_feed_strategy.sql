-- The strategy a feed asked for without one serves: the installation's fitted blend when
-- `pgrec tune` fitted one that beat default on its validation slice, else default. One place,
-- so the list context and the precomputed feeds agree.
CREATE FUNCTION rec._served_feed_strategy()
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce((SELECT s.name FROM pgrec.strategies AS s
                     WHERE s.tuned_from = 'default' AND s.list = 'feed' AND (s.metrics ->> 'better')::boolean
                     ORDER BY s.fitted_at DESC NULLS LAST, s.name LIMIT 1), 'default');
$$;
COMMENT ON FUNCTION rec._served_feed_strategy() IS 'Internal: the feed strategy served without one (tuned when it validated better, else default).';
