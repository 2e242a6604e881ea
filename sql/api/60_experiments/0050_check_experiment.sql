-- The error every experiment function gives for a name it cannot use: 22004 without one, P0002
-- (an id that must exist) for an unknown one, with the names that do exist.
CREATE FUNCTION rec._check_experiment(p_name text)
RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_name IS NULL THEN
        RAISE EXCEPTION 'experiment must not be null' USING ERRCODE = '22004';
    END IF;
    IF NOT EXISTS (SELECT FROM pgrec.experiments AS e WHERE e.name = p_name) THEN
        RAISE EXCEPTION 'unknown experiment "%"', left(p_name, 200) USING ERRCODE = 'P0002',
            HINT = coalesce('Experiments: ' || (SELECT string_agg(e.name, ', ' ORDER BY e.name) FROM pgrec.experiments AS e),
                            'There are no experiments yet; create one with rec.upsert_experiment.');
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_experiment(text) IS 'Internal: 22004 for a NULL experiment name, P0002 for an unknown one.';
