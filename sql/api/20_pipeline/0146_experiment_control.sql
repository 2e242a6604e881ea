-- The control variant of an experiment: the variant named 'control', else the first by name
-- (byte order). Served to everyone while the experiment does not run, and the baseline the
-- report compares the other variants with.
CREATE FUNCTION rec._experiment_control(p_experiment text)
RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT v.variant
    FROM pgrec.experiment_variants AS v
    WHERE v.experiment = p_experiment
    ORDER BY v.variant = 'control' DESC, v.variant COLLATE "C"
    LIMIT 1;
$$;
COMMENT ON FUNCTION rec._experiment_control(text) IS
'Internal: the control variant of an experiment (''control'', else the first variant by name).';
