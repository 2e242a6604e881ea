-- One scored candidate: every signal's 0..1 value (before weighting), what the explanation
-- needs, why the item cannot be listed if it cannot, and the weighted score.
CREATE TYPE rec.scored_item AS (
    item_id        bigint,
    external_id    text,
    category       integer,           -- the item's category tag (diversity), NULL if none
    excluded       text,              -- why the item cannot be in this list, NULL if it can
    signals        rec.signals,
    because        bigint,            -- the anchor behind its collaborative, ease or sequence value
    pref_tag       integer,           -- the declared tag it matches best
    interest_tag   integer,           -- the anchor tag it matches best
    distance_km    double precision,
    age_days       double precision,
    creator_likes  integer,
    viewed         boolean,
    trend_recent   double precision,  -- engagement in the trending window and the one before
    trend_previous double precision,
    rules          double precision,  -- sum of the boosts of matching active rules
    rule_names     text[],
    score          double precision,  -- sum of weight x signal, plus rules
    followed       boolean            -- its creator is followed by the user
);
COMMENT ON TYPE rec.scored_item IS 'Internal: a candidate''s signal values, explanation details, exclusion reason and score.';

-- Score the given items for one list call: eligibility, every signal's value, rule boosts and
-- the weighted sum (rec._weighted_sum with the call's weights).
--
-- Eligibility, in the order it is reported: the item is live (pgrec.is_live); it carries no
-- blocked tag; it is not the user's own (policy); it has a tag of the tags filter; it passes
-- the call's content filter (rec._filter_excludes names the part it fails); it is within
-- the reach when that is a hard limit (nearby's radius, where it must have a location; the
-- user's max distance, which online items pass); and the exclusion policy does not leave it out
-- (c.excluded_items).
--
-- Cost: one pass over the candidates. Everything per call (history, neighbours, interests)
-- was computed once in the context and is joined here by hash; tag matching explodes the
-- candidates' tags once and joins them to the call's few preference, anchor and category tags
-- rather than scanning arrays per candidate.
-- PL/pgSQL, not SQL: Citus cannot plan the parameterized queries of a SQL function over
-- distributed or reference tables (0A000), and PL/pgSQL plans them with the values.
CREATE FUNCTION rec._score(c rec.list_context, p_items bigint[]) RETURNS SETOF rec.scored_item
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    -- The context's scalars, read once: a field of the (large) composite parameter read per
    -- row would copy the whole composite for every candidate.
    WITH ctx AS MATERIALIZED (
        SELECT c.now AS now, (c.u).external_id AS user_external_id, c.exclude_own AS exclude_own,
               (c.u).blocked_tags AS blocked_tags, c.tags_filter AS tags_filter,
               c.anchor_vector AS anchor_vector, c.recency_tau_days AS recency_tau_days,
               c.lat AS lat, c.lon AS lon, c.reach_km AS reach_km, c.hard_reach AS hard_reach,
               c.located_only AS located_only,
               (c.u).price_min AS price_min, (c.u).price_max AS price_max, (c.u).pref_norm AS pref_norm,
               c.anchor_tag_total AS anchor_tag_total, c.w AS w, c.list AS list,
               c.filter AS filter, c.difficulty_target AS difficulty_target,
               -- (A composite IS NOT NULL only when every field is: test the fields.)
               num_nonnulls((c.filter).tags_any, (c.filter).tags_all, (c.filter).tags_none,
                            (c.filter).attributes, (c.filter).price) > 0 AS filtered,
               c.recency_new_boost AS recency_new_boost, c.distance_limit_km AS distance_limit_km
    ),
    active_rules AS MATERIALIZED (
        SELECT r.name, r.boost, r.tag_id, r.creator_id, r.attributes
        FROM pgrec.rules AS r
        WHERE (r.strategy IS NULL OR r.strategy = c.strategy)
          AND (r.starts_at IS NULL OR r.starts_at <= c.now)
          AND (r.ends_at IS NULL OR r.ends_at > c.now)
    ),
    -- Rules matched per item, rule by rule (OFFSET 0 keeps the rules outermost): with no
    -- active rule nothing is read at all.
    rule_match AS (
        SELECT m.id, sum(r.boost)::float8 AS boost, array_agg(r.name ORDER BY r.name) AS names
        FROM active_rules AS r
        CROSS JOIN LATERAL (SELECT i.id FROM pgrec.items AS i
                            WHERE i.id = ANY (p_items)
                              AND (r.tag_id IS NULL OR r.tag_id = ANY (i.tag_ids))
                              AND (r.creator_id IS NULL OR r.creator_id = i.creator_id)
                              AND (r.attributes IS NULL OR i.attributes @> r.attributes)
                            OFFSET 0) AS m
        GROUP BY m.id
    ),
    -- Everything that needs only the item row is computed here, so the wide columns (the
    -- embedding, attributes) are read once and not carried through the joins below.
    candidates AS MATERIALIZED (
        SELECT i.id, i.external_id, i.tag_ids, i.creator_id,
               CASE
                   WHEN i.status <> 'active' THEN 'not active (' || i.status || ')'
                   WHEN i.created_at > x.now THEN 'not yet published'
                   WHEN i.expires_at <= x.now THEN 'expired'
                   WHEN i.tag_ids && x.blocked_tags THEN 'blocked tag'
                   WHEN x.exclude_own AND i.creator_id = x.user_external_id THEN 'own item'
                   WHEN x.tags_filter IS NOT NULL AND NOT i.tag_ids && x.tags_filter THEN 'not in the tags asked for'
                   WHEN x.filtered AND rec._filter_excludes(x.filter, i.tag_ids, i.attributes, i.price) IS NOT NULL
                       THEN rec._filter_excludes(x.filter, i.tag_ids, i.attributes, i.price)
                   WHEN x.located_only AND d.km IS NULL THEN 'has no location'
                   WHEN x.hard_reach AND d.km > x.reach_km THEN
                       CASE WHEN x.located_only THEN 'outside the radius' ELSE 'beyond max distance' END
                   WHEN d.km > x.distance_limit_km THEN 'beyond the strategy''s distance limit'
               END AS excluded,
               CASE WHEN x.anchor_vector IS NULL THEN 0 ELSE rec._signal_vector(i.embedding, x.anchor_vector) END AS vector,
               rec._signal_recency(rec._age_days(i.created_at, x.now), x.recency_tau_days, x.recency_new_boost) AS recency,
               rec._age_days(i.created_at, x.now) AS age_days,
               CASE WHEN x.lat IS NULL THEN 0 ELSE rec._signal_location(d.km, x.reach_km) END AS location,
               d.km AS distance_km,
               CASE WHEN x.price_min IS NULL AND x.price_max IS NULL THEN 0
                    ELSE rec._signal_price(i.price, x.price_min, x.price_max) END AS price,
               CASE WHEN x.difficulty_target IS NULL THEN 0
                    ELSE rec._signal_difficulty(i.attributes -> 'level', x.difficulty_target) END AS difficulty,
               cardinality(i.tag_ids) AS n_tags
        FROM (SELECT DISTINCT p.id FROM unnest(p_items) AS p(id)) AS p
        JOIN pgrec.items AS i ON i.id = p.id
        CROSS JOIN ctx AS x
        -- OFFSET 0 keeps the distance computed once per row (it is used three times).
        CROSS JOIN LATERAL (SELECT CASE WHEN x.lat IS NOT NULL AND i.lat IS NOT NULL
                                        THEN rec._haversine_km(x.lat, x.lon, i.lat, i.lon) END AS km
                            OFFSET 0) AS d
    ),
    prefs AS (
        SELECT p.tag_id, p.w FROM unnest((c.u).pref_tags, (c.u).pref_weights) AS p(tag_id, w)
    ),
    anchor_tags AS (
        SELECT a.tag_id, a.w FROM unnest(c.anchor_tags, c.anchor_tag_weights) AS a(tag_id, w)
    ),
    categories AS (
        SELECT DISTINCT k.tag_id FROM unnest(c.category_tags) AS k(tag_id)
    ),
    -- Best matching tag by max(ARRAY[weight, -tag_id]): the heaviest tag, ties to the lowest
    -- id, without the per-group sort an ordered aggregate would need (only over matching tags:
    -- arrays with NULLs sort above every other).
    tag_match AS (
        SELECT t.id,
               sum(p.w) AS pref_matched,
               -(max(ARRAY[p.w, -p.tag_id]) FILTER (WHERE p.tag_id IS NOT NULL))[2] AS pref_best,
               sum(a.w) AS shared,
               -(max(ARRAY[a.w, -a.tag_id]) FILTER (WHERE a.tag_id IS NOT NULL))[2] AS anchor_best,
               min(k.tag_id) AS category
        -- unnest in the select list (ProjectSet), not in FROM: a function scan per candidate
        -- would build a tuplestore for every row.
        FROM (SELECT k.id, unnest(k.tag_ids) AS tag_id FROM candidates AS k) AS t
        LEFT JOIN prefs AS p ON p.tag_id = t.tag_id
        LEFT JOIN anchor_tags AS a ON a.tag_id = t.tag_id
        LEFT JOIN categories AS k ON k.tag_id = t.tag_id
        GROUP BY t.id
    ),
    excluded AS (
        SELECT DISTINCT e.item_id FROM unnest(c.excluded_items) AS e(item_id)
    ),
    acted AS (
        SELECT DISTINCT a.item_id FROM unnest((c.u).acted_items) AS a(item_id)
    ),
    viewed AS (
        SELECT DISTINCT v.item_id FROM unnest((c.u).viewed_items) AS v(item_id)
    ),
    collab AS (
        SELECT * FROM unnest(c.collab_items, c.collab_values, c.collab_because) AS x(item_id, value, because)
    ),
    ease AS (
        SELECT * FROM unnest(c.ease_items, c.ease_values, c.ease_because) AS x(item_id, value, because)
    ),
    als AS (
        SELECT * FROM unnest(c.als_items, c.als_values) AS x(item_id, value)
    ),
    seq AS (
        SELECT * FROM unnest(c.seq_items, c.seq_values, c.seq_because) AS x(item_id, value, because)
    ),
    keyword AS (
        SELECT * FROM unnest(c.keyword_items, c.keyword_values) AS x(item_id, value)
    ),
    period AS (
        SELECT * FROM unnest(c.period_items, c.period_values) AS x(item_id, value)
    ),
    trend AS (
        SELECT * FROM unnest(c.trend_items, c.trend_values, c.trend_recent, c.trend_previous)
                          AS x(item_id, value, recent, previous)
    ),
    creators AS (
        SELECT * FROM unnest((c.u).liked_creators, (c.u).liked_creator_items) AS cr(creator_id, liked)
    ),
    followed AS (
        SELECT DISTINCT f.creator_id FROM unnest((c.u).followed_creators) AS f(creator_id)
    ),
    -- Materialised so the weighted sum below reads each row's values instead of re-evaluating
    -- every signal expression once per term.
    signals AS MATERIALIZED (
        SELECT i.id, i.external_id, tm.category,
               coalesce(i.excluded,
                        CASE WHEN ex.item_id IS NOT NULL THEN
                            CASE WHEN i.id = ANY (c.anchor_items) AND c.list <> 'feed' THEN 'what the list starts from'
                                 WHEN a.item_id IS NOT NULL THEN 'already acted on'
                                 ELSE 'already seen' END END) AS excluded,
               ROW(i.vector,
                   rec._signal_explicit(tm.pref_matched, x.pref_norm),
                   rec._signal_tags(coalesce(tm.shared, 0), i.n_tags, x.anchor_tag_total),
                   rec._signal_behavioral(cr.liked, v.item_id IS NOT NULL,
                                          CASE WHEN fo.creator_id IS NOT NULL
                                               THEN rec._decay(i.age_days / x.recency_tau_days) END),
                   coalesce(cb.value, 0),
                   coalesce(ea.value, 0),
                   coalesce(al.value, 0),
                   coalesce(sq.value, 0),
                   coalesce(kw.value, 0),
                   coalesce(st.engagement_score, 0),
                   coalesce(st.popularity, 0),
                   coalesce(pe.value, 0),
                   coalesce(st.velocity, 0),
                   coalesce(tr.value, 0),
                   i.recency,
                   i.location,
                   coalesce(cs.score, 0),
                   i.price,
                   i.difficulty)::rec.signals AS s,
               coalesce(cb.because, ea.because, sq.because) AS because,
               tm.pref_best::integer AS pref_tag,
               tm.anchor_best::integer AS interest_tag,
               i.distance_km, i.age_days,
               coalesce(cr.liked, 0) AS creator_likes,
               v.item_id IS NOT NULL AS viewed,
               tr.recent AS trend_recent, tr.previous AS trend_previous,
               coalesce(ru.boost, 0) AS rules,
               coalesce(ru.names, '{}') AS rule_names,
               fo.creator_id IS NOT NULL AS followed
        FROM candidates AS i
        CROSS JOIN ctx AS x
        LEFT JOIN tag_match AS tm ON tm.id = i.id
        LEFT JOIN rule_match AS ru ON ru.id = i.id
        LEFT JOIN excluded AS ex ON ex.item_id = i.id
        LEFT JOIN acted AS a ON a.item_id = i.id
        LEFT JOIN viewed AS v ON v.item_id = i.id
        LEFT JOIN collab AS cb ON cb.item_id = i.id
        LEFT JOIN ease AS ea ON ea.item_id = i.id
        LEFT JOIN als AS al ON al.item_id = i.id
        LEFT JOIN seq AS sq ON sq.item_id = i.id
        LEFT JOIN keyword AS kw ON kw.item_id = i.id
        LEFT JOIN trend AS tr ON tr.item_id = i.id
        LEFT JOIN period AS pe ON pe.item_id = i.id
        LEFT JOIN creators AS cr ON cr.creator_id = i.creator_id
        LEFT JOIN followed AS fo ON fo.creator_id = i.creator_id
        LEFT JOIN pgrec.item_stats AS st ON st.item_id = i.id
        LEFT JOIN pgrec.creator_stats AS cs ON cs.creator_id = i.creator_id
    )
    SELECT s.id, s.external_id, s.category, s.excluded, s.s, s.because, s.pref_tag, s.interest_tag,
           s.distance_km, s.age_days, s.creator_likes, s.viewed, s.trend_recent, s.trend_previous,
           s.rules, s.rule_names, rec._weighted_sum(s.s, x.w) + s.rules, s.followed
    FROM signals AS s
    CROSS JOIN ctx AS x;
END;
$$;
COMMENT ON FUNCTION rec._score(rec.list_context, bigint[]) IS
'Internal: every signal value, rule boost, exclusion reason and weighted score of the given items for one list call.';
