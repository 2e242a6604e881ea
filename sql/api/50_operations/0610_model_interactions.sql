-- What a model fitted outside SQL (EASE, ALS: `pgrec refresh`, the scheduler) learns from: the
-- interaction strengths of rec._interactions with the model's parameters, as of rec.now()
-- (a replay's clock). Internal ids: the fit writes its results back with them.
CREATE FUNCTION rec.model_interactions(model text)
RETURNS TABLE (user_id bigint, item_id bigint, strength double precision, last_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_parameters jsonb;
BEGIN
    SELECT m.parameters INTO v_parameters FROM pgrec.models AS m WHERE m.name = model_interactions.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown model "%"', model USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(m.name, ', ' ORDER BY m.name) FROM pgrec.models AS m);
    END IF;
    RETURN QUERY SELECT * FROM rec._interactions(v_parameters, rec.now());
END;
$$;
COMMENT ON FUNCTION rec.model_interactions(text) IS 'Model fits: (user_id, item_id, strength, last_at) per pair, as the model''s parameters weigh them, as of rec.now().';
