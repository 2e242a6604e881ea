-- The models (pgrec.models): what each was fitted on and what it measured.
--   SELECT name, fitted_at, items_covered, metrics FROM rec.models();
CREATE FUNCTION rec.models()
RETURNS TABLE (name text, kind text, description text, parameters jsonb, fitted_at timestamptz, as_of timestamptz,
               seconds double precision, training_events bigint, users bigint, items_covered bigint, metrics jsonb,
               last_event_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT m.name, m.kind, m.description, m.parameters, m.fitted_at, m.as_of, m.seconds, m.training_events,
           m.users, m.items_covered, m.metrics, m.last_event_id
    FROM pgrec.models AS m
    ORDER BY m.name;
$$;
COMMENT ON FUNCTION rec.models() IS 'Fitted models: kind, parameters, when and on what they were fitted (as_of = the clock they saw), items covered, validation metrics.';
