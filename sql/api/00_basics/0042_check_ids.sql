-- An array of ids as an argument (a session, a path, a caller's list to rank): not null, at
-- most p_max elements, each a valid id. Names the first bad element.
CREATE FUNCTION rec._check_ids(p_what text, p_ids text[], p_max integer)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad integer;
BEGIN
    IF p_ids IS NULL THEN
        RAISE EXCEPTION '% must not be null', p_what USING ERRCODE = '22004',
            HINT = 'Pass an array of ids, e.g. ARRAY[''item-1''].';
    END IF;
    IF cardinality(p_ids) > p_max THEN
        RAISE EXCEPTION '% holds % ids; the limit is %', p_what, cardinality(p_ids), p_max USING ERRCODE = '22023';
    END IF;
    SELECT u.ord INTO v_bad FROM unnest(p_ids) WITH ORDINALITY AS u(id, ord)
    WHERE u.id IS NULL OR btrim(u.id) = '' OR length(u.id) > 200
    ORDER BY u.ord LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION '%[%] must be a non-empty text of at most 200 characters', p_what, v_bad - 1
            USING ERRCODE = CASE WHEN p_ids[v_bad] IS NULL THEN '22004' ELSE '22023' END;
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._check_ids(text, text[], integer) IS 'Internal: validate an array of external ids (not null, at most p_max, each 1..200 characters).';
