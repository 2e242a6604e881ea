-- A list asked for strategy 'experiment:NAME' serves the user's variant of that experiment:
-- this returns the experiment, the variant and the variant's strategy, which the list context
-- then uses as if it had been asked for by name (rec._list_context). An unknown experiment,
-- or one that serves another list, is an invalid strategy value (22023), as an unknown
-- strategy name is. So is a weights override: an experiment compares its variants' blends, and
-- a page ranked by other weights, logged as a variant's, would count for a blend it is not.
CREATE FUNCTION rec._experiment_strategy(p_list text, p_strategy text, p_weights jsonb, p_user_id text,
                                         p_now timestamptz,
                                         OUT experiment text, OUT variant text, OUT strategy text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_name text := substr(p_strategy, length('experiment:') + 1);
BEGIN
    IF p_weights IS NOT NULL THEN
        RAISE EXCEPTION 'weights cannot override the strategies of experiment "%"', left(v_name, 200)
            USING ERRCODE = '22023', HINT = 'Ask for a strategy by name to try other weights.';
    END IF;
    SELECT e.name, v.variant, v.strategy INTO experiment, variant, strategy
    FROM pgrec.experiments AS e
    CROSS JOIN LATERAL rec._experiment_variant(e.name, p_user_id, p_now) AS v
    WHERE e.name = v_name AND e.list = p_list;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown % experiment "%"', p_list, left(v_name, 200) USING ERRCODE = '22023',
            HINT = coalesce('Experiments: ' || (SELECT string_agg(e.name, ', ' ORDER BY e.name)
                                                 FROM pgrec.experiments AS e WHERE e.list = p_list),
                            'No experiment serves this list; create one with rec.upsert_experiment.');
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._experiment_strategy(text, text, jsonb, text, timestamptz) IS
'Internal: resolve strategy ''experiment:NAME'' for a user into (experiment, variant, strategy); 22023 for an unknown experiment or with a weights override.';
