-- The `reasons` of list rows, for a whole page at once (one query, not one per row):
--   terms    {signal: weight x value} for every signal weighing in this call, plus "rules"
--            (the boosts of matching rules) and "diversity" (the re-ranking penalty) when not
--            zero; they add up to the row's score
--   reasons  up to three human-readable reasons, strongest term first, from
--            pgrec.signal_phrases: a signal states its phrase when its value reaches the
--            phrase's min_value, and the row's largest term always states its phrase, so no
--            row is without a reason
--   distance_km  how far the item is from the list's anchor point, when there is one
-- p_rows[i] gets p_diversity[i]; p_all returns every applicable reason instead of three
-- (rec.explain). Tags are shown by their value ("cooking", not "category:cooking").
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._reasons(c rec.list_context, p_rows rec.scored_item[], p_diversity double precision[],
                             p_all boolean DEFAULT false)
RETURNS TABLE (ord bigint, reasons jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- The context's fields this needs, read once: a field of the (large) composite read per
    -- row would copy the whole composite for every row.
    WITH ctx AS MATERIALIZED (
        SELECT c.weights AS weights, c.list AS list, c.anchor_title AS anchor_title, c.query AS query,
               c."window" AS "window"
    ),
    r AS MATERIALIZED (
        SELECT x.*, x.ordinality AS n, coalesce(p_diversity[x.ordinality], 0) AS diversity
        FROM unnest(p_rows) WITH ORDINALITY AS x
    ),
    -- The signals weighing in this call, read from the weights once.
    weights AS MATERIALIZED (
        SELECT w.key AS signal, w.value::float8 AS weight FROM ctx CROSS JOIN jsonb_each_text(ctx.weights) AS w
    ),
    terms AS MATERIALIZED (
        SELECT t.*, t.term = max(t.term) OVER (PARTITION BY t.n) AS largest
        FROM (SELECT r.n, v.signal, w.weight * v.value AS term, v.value
              FROM r
              CROSS JOIN LATERAL rec._signal_values(r.signals) AS v
              JOIN weights AS w ON w.signal = v.signal) AS t
    ),
    -- The phrase of each signal for this list: its own, else the '*' one.
    phrase_for AS MATERIALIZED (
        SELECT DISTINCT ON (sp.signal) sp.signal, sp.phrase, sp.fallback, sp.min_value
        FROM pgrec.signal_phrases AS sp
        WHERE sp.list IN ((SELECT x.list FROM ctx AS x), '*')
        ORDER BY sp.signal, sp.list = '*'
    ),
    -- The terms that state a reason: strong enough, or the row's largest; at most three per row
    -- unless all are asked for. Only these are filled in.
    stated AS (
        SELECT x.n, x.term, x.phrase, x.fallback
        FROM (SELECT t.n, t.term, p.phrase, p.fallback,
                     row_number() OVER (PARTITION BY t.n ORDER BY t.term DESC, t.signal) AS rank
              FROM terms AS t
              JOIN phrase_for AS p ON p.signal = t.signal
              WHERE t.term > 0 AND (t.value >= p.min_value OR t.largest)) AS x
        WHERE p_all OR x.rank <= 3
    ),
    details AS MATERIALIZED (
        SELECT r.n, jsonb_strip_nulls(jsonb_build_object(
                   'because', coalesce(nullif(b.title, ''), b.external_id),
                   'anchor', x.anchor_title,
                   'pref_tag', pt.value,
                   'interest_tag', it.value,
                   'category', ct.value,
                   'km', CASE WHEN r.distance_km < 1 THEN round(r.distance_km * 1000) || ' m'
                              WHEN r.distance_km IS NOT NULL THEN round(r.distance_km::numeric, 1) || ' km' END,
                   'age', CASE WHEN r.age_days * 24 < 1 THEN 'added just now'
                               WHEN r.age_days * 24 < 2 THEN 'added an hour ago'
                               WHEN r.age_days < 2 THEN format('added %s hours ago', floor(r.age_days * 24))
                               ELSE format('added %s days ago', floor(r.age_days)) END,
                   'query', btrim(x.query),
                   'window', CASE WHEN extract(epoch FROM x."window") < 72 * 3600
                                  THEN round(extract(epoch FROM x."window") / 3600, 1)::float8 || ' hours'
                                  ELSE round(extract(epoch FROM x."window") / 86400, 1)::float8 || ' days' END,
                   'recent', round(r.trend_recent::numeric, 1)::float8,
                   -- "from a creator you follow" beats "... you liked": the user said so.
                   'relation', CASE WHEN r.followed THEN 'follow' WHEN r.creator_likes > 0 THEN 'liked' END,
                   'before', CASE WHEN r.trend_recent IS NULL THEN NULL
                                  WHEN r.trend_previous = 0 THEN ', none before'
                                  ELSE format(', %s the window before', round(r.trend_previous::numeric, 1)::float8) END
               )) AS d
        FROM r
        CROSS JOIN ctx AS x
        -- Joined, not looked up per row: the tags are hashed once for the page.
        LEFT JOIN pgrec.items AS b ON b.id = r.because
        LEFT JOIN pgrec.tags AS pt ON pt.id = r.pref_tag
        LEFT JOIN pgrec.tags AS it ON it.id = r.interest_tag
        LEFT JOIN pgrec.tags AS ct ON ct.id = r.category
    ),
    phrases AS (
        SELECT k.n, k.term AS strength, coalesce(rec._fill_phrase(k.phrase, d.d), k.fallback) AS phrase
        FROM stated AS k
        JOIN details AS d ON d.n = k.n
        UNION ALL
        SELECT r.n, r.rules, 'featured' FROM r WHERE r.rules > 0
    ),
    best AS (
        SELECT p.n, p.phrase, max(p.strength) AS strength,
               row_number() OVER (PARTITION BY p.n ORDER BY max(p.strength) DESC, p.phrase) AS rank
        FROM phrases AS p
        WHERE p.phrase IS NOT NULL
        GROUP BY p.n, p.phrase
    ),
    terms_of AS (
        SELECT t.n, jsonb_object_agg(t.signal, t.term) AS terms FROM terms AS t GROUP BY t.n
    ),
    reasons_of AS (
        SELECT b.n, jsonb_agg(b.phrase ORDER BY b.strength DESC, b.phrase) AS reasons
        FROM best AS b
        WHERE p_all OR b.rank <= 3
        GROUP BY b.n
    )
    SELECT r.n,
           jsonb_strip_nulls(jsonb_build_object(
               'terms', coalesce(tt.terms, '{}')
                        || CASE WHEN r.rules <> 0 THEN jsonb_build_object('rules', r.rules) ELSE '{}' END
                        || CASE WHEN r.diversity <> 0 THEN jsonb_build_object('diversity', r.diversity) ELSE '{}' END,
               'distance_km', round(r.distance_km::numeric, 3),
               'reasons', coalesce(ro.reasons, '["more to explore"]')))
    FROM r
    LEFT JOIN terms_of AS tt ON tt.n = r.n
    LEFT JOIN reasons_of AS ro ON ro.n = r.n
    ORDER BY r.n;
END;
$$;
COMMENT ON FUNCTION rec._reasons(rec.list_context, rec.scored_item[], double precision[], boolean) IS
'Internal: per row, {"terms": {signal: weighted value, rules, diversity}, "reasons": [human-readable reasons from pgrec.signal_phrases]}.';
