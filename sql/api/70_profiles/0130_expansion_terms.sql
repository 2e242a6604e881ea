-- The words rec.search adds to a query for a user (expand => true): the values of their
-- strongest profile interests (rec._profile_interests, confidence 0.3 or more, aversions
-- never) of the tag kinds profile_settings.expansion_kinds names, at most p_limit, leaving out
-- interests the query already says ("python" for "python testing") and tags whose words are
-- only stop words. A visitor, or a user who switched
-- personalisation off or withdrew consent to it, gets none.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._expansion_terms(p_user_id text, p_query text, p_limit integer) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_user pgrec.users;
BEGIN
    -- The user first, then their interests: on Citus each its own single-shard query.
    v_user.id := rec._user_id(p_user_id);
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = v_user.id;
    IF NOT FOUND OR NOT v_user.personalization OR NOT rec._consented(v_user.id, 'personalization') THEN
        RETURN '{}';
    END IF;
    RETURN (
        WITH terms AS (
            SELECT w.term, max(i.confidence) AS confidence
            FROM rec._profile_interests(v_user.id, rec.now()) AS i
            CROSS JOIN LATERAL (SELECT btrim(regexp_replace(i.value, '[-_:]+', ' ', 'g')) AS term) AS w
            JOIN pgrec.tags AS tg ON tg.id = i.tag_id
            WHERE tg.kind = ANY (coalesce((SELECT s.expansion_kinds FROM pgrec.profile_settings AS s), '{}'))
              AND NOT i.aversion AND i.confidence >= 0.3
            GROUP BY w.term
        ),
        usable AS (
            SELECT t.term, t.confidence FROM terms AS t
            WHERE numnode(plainto_tsquery('english', t.term)) > 0
              AND NOT (to_tsvector('english', p_query) @@ plainto_tsquery('english', t.term))
            ORDER BY t.confidence DESC, t.term
            LIMIT p_limit
        )
        SELECT coalesce(array_agg(u.term ORDER BY u.confidence DESC, u.term), '{}') FROM usable AS u);
END;
$$;
COMMENT ON FUNCTION rec._expansion_terms(text, text, integer) IS
'Internal: up to p_limit words of the user''s strongest profile interests (confidence >= 0.3) that the query does not already say.';
