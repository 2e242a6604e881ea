-- The `reasons` of feed rows, for a whole page at once (one query, not one per row):
--   terms    {signal: weight x value} for every signal weighing in this call, plus "rules"
--            (the boosts of matching rules) and "diversity" (the re-ranking penalty) when not
--            zero; they add up to the row's score
--   reasons  up to three human-readable reasons, strongest term first, each stated only when
--            its signal really carries it ("because you liked <title>", "popular in <tag>",
--            "near you (2.1 km)", ...)
-- p_rows[i] gets p_diversity[i]; p_budget says the user set a price range; p_all returns
-- every applicable reason instead of three (rec.explain). Returns (ord, reasons) per row.
CREATE FUNCTION rec._feed_reasons(p_weights jsonb, p_budget boolean, p_rows rec.feed_score[],
                                  p_diversity double precision[], p_all boolean DEFAULT false)
RETURNS TABLE (ord bigint, reasons jsonb)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    WITH r AS MATERIALIZED (
        SELECT x.*, x.ordinality AS n, coalesce(p_diversity[x.ordinality], 0) AS diversity
        FROM unnest(p_rows) WITH ORDINALITY AS x
    ),
    terms AS MATERIALIZED (
        SELECT r.n, w.key AS signal, w.value::float8 * v.value AS term, v.value
        FROM r
        CROSS JOIN jsonb_each_text(p_weights) AS w
        JOIN LATERAL (VALUES ('vector', r.vector), ('explicit', r.explicit), ('tags', r.tags),
                             ('behavioral', r.behavioral), ('collaborative', r.collaborative),
                             ('engagement', r.engagement), ('popularity', r.popularity),
                             ('velocity', r.velocity), ('trending', r.trending), ('recency', r.recency),
                             ('location', r.location), ('creator', r.creator), ('price', r.price))
             AS v(signal, value) ON v.signal = w.key
    ),
    phrases AS (
        SELECT t.n, t.term AS strength,
               CASE t.signal
                   WHEN 'collaborative' THEN
                       CASE WHEN t.value >= 0.1 THEN 'because you liked ' || coalesce(nullif(b.title, ''), b.external_id) END
                   WHEN 'vector' THEN CASE WHEN t.value >= 0.5 THEN 'similar to what you liked' END
                   WHEN 'explicit' THEN CASE WHEN t.value > 0 THEN 'matches your interest in ' || ge.value END
                   WHEN 'tags' THEN CASE WHEN t.value >= 0.1 THEN 'matches your interest in ' || gt.value END
                   WHEN 'engagement' THEN CASE WHEN t.value >= 0.5 THEN coalesce('popular in ' || gc.value, 'popular') END
                   WHEN 'popularity' THEN CASE WHEN t.value >= 0.5 THEN coalesce('popular in ' || gc.value, 'popular') END
                   WHEN 'trending' THEN CASE WHEN t.value >= 0.2 THEN 'trending now' END
                   WHEN 'velocity' THEN CASE WHEN t.value >= 0.5 THEN 'picking up fast' END
                   WHEN 'recency' THEN CASE WHEN r.age_days < 1 THEN 'new today' WHEN t.value >= 0.6 THEN 'new' END
                   WHEN 'location' THEN
                       CASE WHEN t.value >= 0.3 THEN format('near you (%s km)', round(r.distance_km::numeric, 1)) END
                   WHEN 'behavioral' THEN CASE WHEN r.creator_likes > 0 THEN 'from a creator you liked' END
                   WHEN 'creator' THEN CASE WHEN t.value >= 0.7 THEN 'from a popular creator' END
                   WHEN 'price' THEN CASE WHEN t.value >= 1 AND p_budget THEN 'within your budget' END
               END AS phrase
        FROM terms AS t
        JOIN r ON r.n = t.n
        LEFT JOIN pgrec.items AS b ON b.id = r.because
        LEFT JOIN pgrec.tags AS ge ON ge.id = r.explicit_tag
        LEFT JOIN pgrec.tags AS gt ON gt.id = r.tags_tag
        LEFT JOIN pgrec.tags AS gc ON gc.id = r.category
        UNION ALL
        SELECT r.n, r.rules, 'featured' FROM r WHERE r.rules > 0
    ),
    best AS (
        SELECT p.n, p.phrase, max(p.strength) AS strength,
               row_number() OVER (PARTITION BY p.n ORDER BY max(p.strength) DESC, p.phrase) AS rank
        FROM phrases AS p
        WHERE p.phrase IS NOT NULL
        GROUP BY p.n, p.phrase
    )
    SELECT r.n,
           jsonb_build_object(
               'terms', coalesce((SELECT jsonb_object_agg(t.signal, t.term) FROM terms AS t WHERE t.n = r.n), '{}')
                        || CASE WHEN r.rules <> 0 THEN jsonb_build_object('rules', r.rules) ELSE '{}' END
                        || CASE WHEN r.diversity <> 0 THEN jsonb_build_object('diversity', r.diversity) ELSE '{}' END,
               'reasons', coalesce((SELECT jsonb_agg(b.phrase ORDER BY b.strength DESC, b.phrase)
                                    FROM best AS b WHERE b.n = r.n AND (p_all OR b.rank <= 3)), '[]'))
    FROM r
    ORDER BY r.n;
$$;
COMMENT ON FUNCTION rec._feed_reasons(jsonb, boolean, rec.feed_score[], double precision[], boolean) IS
'Internal: per scored row, {"terms": {signal: weighted value, rules, diversity}, "reasons": [up to three human-readable reasons]}.';
