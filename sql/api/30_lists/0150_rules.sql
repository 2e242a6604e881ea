-- The business rules (pgrec.rules) with whether each is active now:
--   SELECT * FROM rec.rules();
CREATE FUNCTION rec.rules()
RETURNS TABLE (name text, boost double precision, tag text, creator_id text, attributes jsonb, strategy text,
               starts_at timestamptz, ends_at timestamptz, active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT r.name, r.boost, t.name, r.creator_id, r.attributes, r.strategy, r.starts_at, r.ends_at,
           (r.starts_at IS NULL OR r.starts_at <= rec.now()) AND (r.ends_at IS NULL OR r.ends_at > rec.now())
    FROM pgrec.rules AS r
    LEFT JOIN pgrec.tags AS t ON t.id = r.tag_id
    ORDER BY r.name;
$$;
COMMENT ON FUNCTION rec.rules() IS 'Boost/bury rules with their conditions, time window and whether they are active now.';
