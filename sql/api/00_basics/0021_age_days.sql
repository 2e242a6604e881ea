-- Age in days of a timestamp at p_now, in float8 (extract() gives numeric, whose exp is slow),
-- never negative. A plain expression, inlined by callers.
CREATE FUNCTION rec._age_days(p_at timestamptz, p_now timestamptz)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT greatest(pg_catalog.date_part('epoch', p_now - p_at) / 86400, 0);
$$;
COMMENT ON FUNCTION rec._age_days(timestamptz, timestamptz) IS 'Internal: days from p_at to p_now as float8, at least 0.';
