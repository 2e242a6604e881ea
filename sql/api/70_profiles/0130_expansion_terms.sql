-- The words rec.search adds to a query for a user (expand => true): the values of their
-- strongest profile interests (rec._profile_interests, confidence 0.3 or more, aversions
-- never) of the tag kinds profile_settings.expansion_kinds names, at most p_limit, leaving out
-- interests the query already says ("python" for "python testing") and tags whose words are
-- only stop words. A visitor, or a user who switched
-- personalisation off or withdrew consent to it, gets none.
CREATE FUNCTION rec._expansion_terms(p_user_id text, p_query text, p_limit integer)
RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH terms AS (
        SELECT w.term, max(i.confidence) AS confidence
        FROM pgrec.users AS u
        CROSS JOIN LATERAL rec._profile_interests(u.id, rec.now()) AS i
        CROSS JOIN LATERAL (SELECT btrim(regexp_replace(i.value, '[-_:]+', ' ', 'g')) AS term) AS w
        JOIN pgrec.tags AS tg ON tg.id = i.tag_id
        WHERE u.external_id = p_user_id
          AND tg.kind = ANY (coalesce((SELECT s.expansion_kinds FROM pgrec.profile_settings AS s), '{}'))
          AND u.personalization AND rec._consented(u.id, 'personalization')
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
    SELECT coalesce(array_agg(u.term ORDER BY u.confidence DESC, u.term), '{}') FROM usable AS u;
$$;
COMMENT ON FUNCTION rec._expansion_terms(text, text, integer) IS
'Internal: up to p_limit words of the user''s strongest profile interests (confidence >= 0.3) that the query does not already say.';
