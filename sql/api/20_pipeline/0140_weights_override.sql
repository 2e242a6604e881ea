-- Validate a per-call weights override and spell it with canonical signal names:
-- {"content": 0.5, "recency": 0.1} -> {"vector": 0.5, "recency": 0.1}. NULL means "use the
-- strategy's weights". An override replaces the strategy's weight set for the call (its
-- parameters stay), so {"recency": 1} ranks by recency alone.
CREATE FUNCTION rec._weights_override(p_weights jsonb)
RETURNS jsonb
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_hint constant text := 'weights is {"signal": number >= 0, ...} over: '
        || (SELECT string_agg(s.signal || CASE WHEN s.aliases = '{}' THEN ''
                                               ELSE ' (' || array_to_string(s.aliases, ', ') || ')' END,
                              ', ' ORDER BY s.signal)
            FROM pgrec.feed_signals AS s);
    v_bad    text;
    v_result jsonb;
BEGIN
    IF p_weights IS NULL OR jsonb_typeof(p_weights) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_weights) <> 'object' THEN
        RAISE EXCEPTION 'weights must be a JSON object, got %', jsonb_typeof(p_weights)
            USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    SELECT string_agg(format('"%s"', w.key), ', ' ORDER BY w.key) INTO v_bad
    FROM jsonb_each(p_weights) AS w
    WHERE NOT EXISTS (SELECT FROM pgrec.feed_signals AS s WHERE w.key = s.signal OR w.key = ANY (s.aliases));
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'unknown signal %', v_bad USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    SELECT string_agg(format('"%s"', w.key), ', ' ORDER BY w.key) INTO v_bad
    FROM jsonb_each(p_weights) AS w
    WHERE jsonb_typeof(w.value) <> 'number' OR (w.value #>> '{}')::numeric NOT BETWEEN 0 AND 1000;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'weight of % must be a number between 0 and 1000', v_bad USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    SELECT string_agg(DISTINCT s.signal, ', ') INTO v_bad
    FROM jsonb_each(p_weights) AS w
    JOIN pgrec.feed_signals AS s ON w.key = s.signal OR w.key = ANY (s.aliases)
    GROUP BY s.signal HAVING count(*) > 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'signal % is given twice (by name and alias)', v_bad USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    SELECT jsonb_object_agg(s.signal, (w.value #>> '{}')::float8) INTO v_result
    FROM jsonb_each(p_weights) AS w
    JOIN pgrec.feed_signals AS s ON w.key = s.signal OR w.key = ANY (s.aliases);
    IF v_result IS NULL OR NOT EXISTS (SELECT FROM jsonb_each_text(v_result) AS w WHERE w.value::float8 > 0) THEN
        RAISE EXCEPTION 'weights must give at least one signal a weight > 0' USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    RETURN v_result;
END;
$$;
COMMENT ON FUNCTION rec._weights_override(jsonb) IS
'Internal: validate a weights override {signal or alias: number 0..1000} and return it with canonical signal names (NULL stays NULL).';
