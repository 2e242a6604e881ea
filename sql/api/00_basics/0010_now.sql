-- The clock every time-dependent function reads. Setting rec.as_of replays history:
--   SET rec.as_of = '2026-01-01 00:00+00';  SELECT * FROM rec.feed('u1');
CREATE FUNCTION rec.now()
RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
AS $$
    SELECT coalesce(nullif(current_setting('rec.as_of', true), '')::timestamptz, now());
$$;
COMMENT ON FUNCTION rec.now() IS 'Current time for pgrec: the setting rec.as_of when set, else now().';
