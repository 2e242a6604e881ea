-- Score candidate items for one feed call: every signal's 0..1 value (each defined by its own
-- documented function or derived table, see pgrec.feed_signals), the weighted sum, the
-- active business rules, and whether (and why) the item is excluded for this user:
--   not active / not yet published (created_at > now) / expired / own item / blocked tag /
--   already acted on (liked, applied, dismissed, rated ...) / already viewed (when the
--   strategy excludes viewed items) / beyond the user's max distance.
-- rec.feed keeps the rows with no exclusion; rec.explain shows one row whatever it says.
-- Signals missing from the context's weights (no data, or weight 0) are still computed, so
-- rec.explain can show them, but weigh nothing.
--
-- Cost: one pass over the candidates. Everything per user (history, neighbours, interests)
-- was computed once in the context and is joined here by hash; tag matching explodes the
-- candidates' tags once and joins them to the user's few preference, interest and category
-- tags rather than scanning arrays per candidate.
CREATE FUNCTION rec._feed_scores(p_ctx rec.feed_context, p_items bigint[])
RETURNS SETOF rec.feed_score
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    -- The context's scalars, read once: a field of the (large) composite parameter read per
    -- row would copy the whole composite for every candidate.
    WITH ctx AS MATERIALIZED (
        SELECT p_ctx.now AS now, p_ctx.user_external_id AS user_external_id,
               p_ctx.exclude_viewed AS exclude_viewed, p_ctx.blocked_tags AS blocked_tags,
               p_ctx.max_distance_km AS max_distance_km, p_ctx.user_vector AS user_vector,
               p_ctx.recency_tau_days AS recency_tau_days, p_ctx.lat AS lat, p_ctx.lon AS lon,
               p_ctx.price_min AS price_min, p_ctx.price_max AS price_max,
               p_ctx.pref_norm AS pref_norm, p_ctx.interest_total AS interest_total
    ),
    w AS MATERIALIZED (
        SELECT coalesce((p_ctx.weights ->> 'vector')::float8, 0)        AS vector,
               coalesce((p_ctx.weights ->> 'explicit')::float8, 0)      AS explicit,
               coalesce((p_ctx.weights ->> 'tags')::float8, 0)          AS tags,
               coalesce((p_ctx.weights ->> 'behavioral')::float8, 0)    AS behavioral,
               coalesce((p_ctx.weights ->> 'collaborative')::float8, 0) AS collaborative,
               coalesce((p_ctx.weights ->> 'engagement')::float8, 0)    AS engagement,
               coalesce((p_ctx.weights ->> 'popularity')::float8, 0)    AS popularity,
               coalesce((p_ctx.weights ->> 'velocity')::float8, 0)      AS velocity,
               coalesce((p_ctx.weights ->> 'trending')::float8, 0)      AS trending,
               coalesce((p_ctx.weights ->> 'recency')::float8, 0)       AS recency,
               coalesce((p_ctx.weights ->> 'location')::float8, 0)      AS location,
               coalesce((p_ctx.weights ->> 'creator')::float8, 0)       AS creator,
               coalesce((p_ctx.weights ->> 'price')::float8, 0)         AS price
    ),
    active_rules AS MATERIALIZED (
        SELECT r.name, r.boost, r.tag_id, r.creator_id, r.attributes
        FROM pgrec.rules AS r
        WHERE (r.strategy IS NULL OR r.strategy = p_ctx.strategy)
          AND (r.starts_at IS NULL OR r.starts_at <= p_ctx.now)
          AND (r.ends_at IS NULL OR r.ends_at > p_ctx.now)
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
                   WHEN i.creator_id = x.user_external_id THEN 'own item'
                   WHEN i.tag_ids && x.blocked_tags THEN 'blocked tag'
                   WHEN d.km > x.max_distance_km THEN 'beyond max distance'
               END AS excluded,
               CASE WHEN x.user_vector IS NULL THEN 0 ELSE rec._signal_vector(i.embedding, x.user_vector) END AS vector,
               rec._signal_recency(i.created_at, x.now, x.recency_tau_days) AS recency,
               greatest(extract(epoch FROM x.now - i.created_at)::float8 / 86400, 0) AS age_days,
               rec._signal_location(d.km, x.max_distance_km) AS location,
               d.km AS distance_km,
               rec._signal_price(i.price, x.price_min, x.price_max) AS price,
               cardinality(i.tag_ids) AS n_tags
        FROM (SELECT DISTINCT c.id FROM unnest(p_items) AS c(id)) AS c
        JOIN pgrec.items AS i ON i.id = c.id
        CROSS JOIN ctx AS x
        -- OFFSET 0 keeps the distance computed once per row (it is used three times).
        CROSS JOIN LATERAL (SELECT CASE WHEN x.lat IS NOT NULL THEN pgrec.haversine_km(x.lat, x.lon, i.lat, i.lon) END AS km
                            OFFSET 0) AS d
    ),
    prefs AS (
        SELECT p.tag_id, p.w FROM unnest(p_ctx.pref_tags, p_ctx.pref_weights) AS p(tag_id, w)
    ),
    interests AS (
        SELECT * FROM unnest(p_ctx.interest_tags, p_ctx.interest_weights) AS u(tag_id, w)
    ),
    categories AS (
        SELECT DISTINCT k.tag_id FROM unnest(p_ctx.category_tags) AS k(tag_id)
    ),
    -- Best matching tag by max(ARRAY[weight, -tag_id]): the heaviest tag, ties to the lowest
    -- id, without the per-group sort an ordered aggregate would need.
    tag_match AS (
        SELECT t.id,
               sum(p.w) AS pref_matched,
               -(max(ARRAY[p.w, -p.tag_id]))[2] AS pref_best,
               sum(u.w) AS shared,
               -(max(ARRAY[u.w, -u.tag_id]))[2] AS interest_best,
               min(k.tag_id) AS category
        -- unnest in the select list (ProjectSet), not in FROM: a function scan per candidate
        -- would build a tuplestore for every row.
        FROM (SELECT c.id, unnest(c.tag_ids) AS tag_id FROM candidates AS c) AS t
        LEFT JOIN prefs AS p ON p.tag_id = t.tag_id
        LEFT JOIN interests AS u ON u.tag_id = t.tag_id
        LEFT JOIN categories AS k ON k.tag_id = t.tag_id
        GROUP BY t.id
    ),
    acted AS (
        SELECT DISTINCT a.item_id FROM unnest(p_ctx.acted_items) AS a(item_id)
    ),
    viewed AS (
        SELECT DISTINCT v.item_id FROM unnest(p_ctx.viewed_items) AS v(item_id)
    ),
    collab AS (
        SELECT * FROM unnest(p_ctx.collab_items, p_ctx.collab_scores, p_ctx.collab_because) AS cb(item_id, value, because)
    ),
    creators AS (
        SELECT * FROM unnest(p_ctx.liked_creators, p_ctx.liked_creator_items) AS cr(creator_id, liked)
    ),
    -- Materialised so the weighted sum below reuses the values instead of recomputing them.
    signals AS MATERIALIZED (
        SELECT i.id, i.external_id, tm.category,
               coalesce(i.excluded,
                        CASE WHEN a.item_id IS NOT NULL THEN 'already acted on'
                             WHEN x.exclude_viewed AND v.item_id IS NOT NULL THEN 'already viewed' END) AS excluded,
               i.vector,
               rec._signal_explicit(tm.pref_matched, x.pref_norm) AS explicit,
               tm.pref_best::integer AS explicit_tag,
               rec._signal_tags(coalesce(tm.shared, 0), i.n_tags, x.interest_total) AS tags,
               tm.interest_best::integer AS tags_tag,
               rec._signal_behavioral(cr.liked, v.item_id IS NOT NULL) AS behavioral,
               coalesce(cr.liked, 0) AS creator_likes,
               v.item_id IS NOT NULL AS viewed,
               coalesce(cb.value, 0) AS collaborative, cb.because,
               coalesce(sg.engagement, 0) AS engagement,
               coalesce(sg.popularity, 0) AS popularity,
               coalesce(sg.velocity, 0) AS velocity,
               coalesce(tr.score, 0) AS trending,
               i.recency, i.age_days, i.location, i.distance_km,
               coalesce(cs.score, 0) AS creator,
               i.price,
               coalesce(ru.boost, 0) AS rules,
               coalesce(ru.names, '{}') AS rule_names
        FROM candidates AS i
        CROSS JOIN ctx AS x
        LEFT JOIN tag_match AS tm ON tm.id = i.id
        LEFT JOIN rule_match AS ru ON ru.id = i.id
        LEFT JOIN acted AS a ON a.item_id = i.id
        LEFT JOIN viewed AS v ON v.item_id = i.id
        LEFT JOIN collab AS cb ON cb.item_id = i.id
        LEFT JOIN creators AS cr ON cr.creator_id = i.creator_id
        LEFT JOIN pgrec.item_signals AS sg ON sg.item_id = i.id
        LEFT JOIN pgrec.creator_stats AS cs ON cs.creator_id = i.creator_id
        LEFT JOIN pgrec.trending AS tr ON tr.item_id = i.id AND tr.basis = 'velocity'
    )
    SELECT s.id, s.external_id, s.category, s.excluded,
           s.vector, s.explicit, s.explicit_tag, s.tags, s.tags_tag, s.behavioral, s.creator_likes, s.viewed,
           s.collaborative, s.because, s.engagement, s.popularity, s.velocity, s.trending,
           s.recency, s.age_days, s.location, s.distance_km, s.creator, s.price, s.rules, s.rule_names,
           w.vector * s.vector + w.explicit * s.explicit + w.tags * s.tags + w.behavioral * s.behavioral
           + w.collaborative * s.collaborative + w.engagement * s.engagement + w.popularity * s.popularity
           + w.velocity * s.velocity + w.trending * s.trending + w.recency * s.recency
           + w.location * s.location + w.creator * s.creator + w.price * s.price + s.rules
    FROM signals AS s
    CROSS JOIN w;
$$;
COMMENT ON FUNCTION rec._feed_scores(rec.feed_context, bigint[]) IS
'Internal: every signal value, rule boost, exclusion reason and weighted score of the given items for one feed call.';
