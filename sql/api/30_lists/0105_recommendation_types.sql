-- Recommendation types (pgrec.recommendation_types): a name an application asks for
-- (rec.feed(user, type => 'content-based'), GET /v1/users/{id}/feed?type=content-based) and
-- the feed strategy that serves it. A DBA points a type at another strategy with an UPDATE.
CREATE FUNCTION rec._recommendation_type(p_type text, p_strategy text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_strategy text;
BEGIN
    IF p_strategy IS NOT NULL THEN
        RAISE EXCEPTION 'type and strategy cannot both be given' USING ERRCODE = '22023',
            HINT = 'A recommendation type names its strategy (rec.recommendation_types()).';
    END IF;
    SELECT t.strategy INTO v_strategy FROM pgrec.recommendation_types AS t WHERE t.type = p_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'type: unknown recommendation type "%"', left(p_type, 100) USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(t.type, ', ' ORDER BY t.type) FROM pgrec.recommendation_types AS t);
    END IF;
    RETURN v_strategy;
END;
$$;
COMMENT ON FUNCTION rec._recommendation_type(text, text) IS 'Internal: the feed strategy of a recommendation type (22023 if unknown, or if a strategy is given too).';

CREATE FUNCTION rec.recommendation_types()
RETURNS TABLE (type text, strategy text, description text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT t.type, t.strategy, t.description FROM pgrec.recommendation_types AS t ORDER BY t.type;
$$;
COMMENT ON FUNCTION rec.recommendation_types() IS 'Recommendation types (content-based, collaborative, trending, sequential) and the feed strategy serving each.';
