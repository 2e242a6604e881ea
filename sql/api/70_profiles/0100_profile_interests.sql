-- A user's interests as the profile states them, as of p_now: one row per tag, from every
-- source that speaks for it:
--   declared    a preferred tag the user set (rec.upsert_users): confidence min(1, weight)
--   onboarding  a preferred tag one of their onboarding answers declared: the same
--   behaviour   pgrec.profile_interests, decayed to p_now (strength s 2^-(age / half-life)):
--               confidence 1 - exp(-s / confidence_scale) when s > 0; s < 0 is an aversion
-- and the tag's confidence combines them as independent evidence, 1 - prod(1 - c). Its source
-- is the most confident one (ties: declared, onboarding, behaviour). Blocked tags are never
-- interests. Aversions (negative behaviour) come as rows with aversion = true and the
-- confidence of the aversion.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._profile_interests(p_user_id bigint, p_now timestamptz)
RETURNS TABLE (tag_id integer, tag text, value text, confidence double precision, source text, sources jsonb,
               strength double precision, events integer, last_seen timestamptz, aversion boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH s AS MATERIALIZED (SELECT * FROM pgrec.profile_settings LIMIT 1),
    onboarded AS MATERIALIZED (
        SELECT DISTINCT tg.id AS tag_id
        FROM pgrec.onboarding_answers AS a
        JOIN pgrec.onboarding_options AS o ON o.question_id = a.question_id AND o.option_id = ANY (a.option_ids)
        CROSS JOIN LATERAL jsonb_object_keys(o.tags) AS k(name)
        CROSS JOIN LATERAL rec._parse_tag(k.name) AS p
        JOIN pgrec.tags AS tg ON tg.kind = p.kind AND tg.value = p.value
        WHERE a.user_id = p_user_id
    ),
    blocked AS MATERIALIZED (
        SELECT ut.tag_id FROM pgrec.user_tags AS ut WHERE ut.user_id = p_user_id AND ut.blocked
    ),
    evidence AS (
        SELECT ut.tag_id, CASE WHEN ut.tag_id IN (SELECT o.tag_id FROM onboarded AS o) THEN 'onboarding' ELSE 'declared' END AS source,
               least(1, ut.weight)::double precision AS confidence, NULL::double precision AS strength,
               NULL::integer AS events, NULL::timestamptz AS last_seen
        FROM pgrec.user_tags AS ut
        WHERE ut.user_id = p_user_id AND NOT ut.blocked
        UNION ALL
        SELECT pi.tag_id, 'behaviour',
               1 - exp(-greatest(d.s, 0) / s.confidence_scale), d.s, pi.events, pi.as_of
        FROM pgrec.profile_interests AS pi
        CROSS JOIN s
        CROSS JOIN LATERAL (SELECT pi.strength * rec._decay(rec._age_days(pi.as_of, p_now) * ln(2) / s.half_life_days) AS s) AS d
        WHERE pi.user_id = p_user_id AND d.s > 0
          AND pi.tag_id NOT IN (SELECT b.tag_id FROM blocked AS b)
    ),
    liked AS (
        SELECT e.tag_id,
               1 - exp(sum(ln(greatest(1 - e.confidence, 1e-12)))) AS confidence,
               (array_agg(e.source ORDER BY e.confidence DESC,
                          array_position(ARRAY['declared', 'onboarding', 'behaviour'], e.source)))[1] AS source,
               jsonb_object_agg(e.source, round(e.confidence::numeric, 4)) AS sources,
               max(e.strength) AS strength, max(e.events) AS events, max(e.last_seen) AS last_seen,
               false AS aversion
        FROM evidence AS e
        GROUP BY e.tag_id
    ),
    avoided AS (
        SELECT pi.tag_id, 1 - exp(d.s / s.confidence_scale) AS confidence, 'behaviour' AS source,
               jsonb_build_object('behaviour', round((1 - exp(d.s / s.confidence_scale))::numeric, 4)) AS sources,
               d.s AS strength, pi.events, pi.as_of AS last_seen, true AS aversion
        FROM pgrec.profile_interests AS pi
        CROSS JOIN s
        CROSS JOIN LATERAL (SELECT pi.strength * rec._decay(rec._age_days(pi.as_of, p_now) * ln(2) / s.half_life_days) AS s) AS d
        WHERE pi.user_id = p_user_id AND d.s < 0
    )
    SELECT x.tag_id, t.name, t.value, x.confidence, x.source, x.sources, x.strength, x.events, x.last_seen, x.aversion
    FROM (SELECT * FROM liked UNION ALL SELECT * FROM avoided) AS x
    JOIN pgrec.tags AS t ON t.id = x.tag_id
    ORDER BY x.aversion, x.confidence DESC, t.name;
END;
$$;
COMMENT ON FUNCTION rec._profile_interests(bigint, timestamptz) IS
'Internal: a user''s interests (declared, onboarding, behaviour, combined confidence) and aversions as of a time.';
