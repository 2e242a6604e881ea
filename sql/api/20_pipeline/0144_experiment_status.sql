-- Whether an experiment runs at a moment: 'scheduled' before starts_at, 'running' from
-- starts_at until ends_at (excluded; NULL: no end), 'ended' from then on. The one definition
-- serving (rec._experiment_variant), the operations and the report use.
CREATE FUNCTION rec._experiment_status(p_starts_at timestamptz, p_ends_at timestamptz, p_now timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN p_now < p_starts_at THEN 'scheduled'
            WHEN p_ends_at IS NULL OR p_now < p_ends_at THEN 'running'
            ELSE 'ended' END;
COMMENT ON FUNCTION rec._experiment_status(timestamptz, timestamptz, timestamptz) IS
'Internal: scheduled, running or ended, for an experiment''s starts_at and ends_at at p_now.';
