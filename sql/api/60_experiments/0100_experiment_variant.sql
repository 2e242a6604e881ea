-- Which variant of an experiment a user is in, for an application that decides more than the
-- feed's strategy by it (a layout, a copy text), or logs the assignment itself:
--   SELECT * FROM rec.experiment_variant('blend_test', 'u42');   -- variant | strategy | running
-- The same answer rec.feed(..., strategy => 'experiment:blend_test') serves by: deterministic
-- by user (rec._experiment_bucket), the control variant while the experiment does not run
-- (running = false). The user need not exist: a visitor is assigned by their id like anyone.
CREATE FUNCTION rec.experiment_variant(experiment text, user_id text)
RETURNS TABLE (variant text, strategy text, running boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_experiment(experiment_variant.experiment);
    PERFORM rec._check_id('user_id', experiment_variant.user_id);
    RETURN QUERY SELECT v.variant, v.strategy, v.running
                 FROM rec._experiment_variant(experiment_variant.experiment, experiment_variant.user_id, rec.now()) AS v;
END;
$$;
COMMENT ON FUNCTION rec.experiment_variant(text, text) IS
'The variant of an experiment a user is served (variant, strategy, running): by a hash of the user id and the variants'' shares while the experiment runs, else its control variant. P0002 for an unknown experiment.';
