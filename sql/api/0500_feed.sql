-- The personalised "For You" feed.
--
-- Candidates come from four cheap sources, each capped so the cost per call stays flat as the
-- catalogue grows:
--   collaborative  neighbours (pgrec.item_neighbors) of the user's recent positive items
--   preferences    items carrying the user's interest tags (explicit preferences, plus tags
--                  of items they engaged with), most engaging first
--   popular        the most engaging items (pgrec.item_stats)
--   fresh          the newest items, so new items get a chance before they have events
-- Excluded: the user's own items, anything they already interacted with, items that are not
-- active or have expired, and items carrying a blocked tag.
--
-- Each candidate is scored by a weighted sum of 0..1 terms:
--   collaborative  sum over history of neighbour similarity x event weight x exp(-age/30d),
--                  scaled by the best candidate
--   tags           share of the user's interest weight the item's tags carry, each tag kind
--                  weighted by pgrec.tag_kinds
--   engagement     ln(1 + sum of event weights), scaled by the catalogue maximum
--   recency        exp(-age_days / 30)
-- A term with no data for this user (no history, no preferences) drops out and the other
-- weights are renormalised, so a brand-new user gets popularity and recency only.
-- `reasons` carries each weighted term and human-readable reasons.
CREATE FUNCTION rec.feed(user_id text, n integer DEFAULT 20, "offset" integer DEFAULT 0, strategy text DEFAULT 'default')
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_now        constant timestamptz := rec.now();
    v_tau_days   constant float8 := 30;     -- recency and history decay time constant
    v_pool       constant integer := 300;   -- candidates per source
    v_user       pgrec.users;
    v_uid        bigint;
    v_personal   boolean;
    v_interest   jsonb;                     -- {tag_id: weight} interest profile
    v_blocked    integer[];
    v_has_collab boolean;
    v_w          jsonb;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, "offset");
    IF strategy IS NULL OR strategy NOT IN ('default', 'popular') THEN
        RAISE EXCEPTION 'unknown strategy "%"', strategy
            USING ERRCODE = '22023', HINT = 'One of: default, popular.';
    END IF;

    -- An unknown user is a visitor we know nothing about yet: same as a brand-new user.
    SELECT * INTO v_user FROM pgrec.users u WHERE u.external_id = feed.user_id;
    v_uid := v_user.id;
    v_personal := v_uid IS NOT NULL AND v_user.personalization AND strategy <> 'popular';

    SELECT coalesce(array_agg(ut.tag_id), '{}') INTO v_blocked
    FROM pgrec.user_tags ut WHERE ut.user_id = v_uid AND ut.blocked;

    IF v_personal THEN
        v_interest := rec._interest_profile(v_uid, v_now, v_tau_days);
        v_has_collab := EXISTS (
            SELECT FROM pgrec.weighted_events e
            JOIN pgrec.item_neighbors nb ON nb.item_id = e.item_id
            WHERE e.user_id = v_uid AND e.polarity > 0 AND e.occurred_at <= v_now);
    ELSE
        v_interest := '{}';
        v_has_collab := false;
    END IF;

    -- Weights of the terms that have data for this user, renormalised to sum to 1.
    SELECT jsonb_object_agg(k, w / total) INTO v_w
    FROM (SELECT k, w, sum(w) OVER () AS total
          FROM (VALUES ('collaborative', 0.40, v_has_collab),
                       ('tags',          0.25, v_interest <> '{}'),
                       ('engagement',    0.20, true),
                       ('recency',       0.15, true)) AS t(k, w, active)
          WHERE active) AS weights;

    RETURN QUERY
    WITH
    history AS (
        -- Everything the user touched (excluded from the feed), and the recent positive part
        -- with its decayed weight (drives collaborative scores and "because you liked").
        SELECT e.item_id,
               max(e.weight * exp(-extract(epoch FROM v_now - e.occurred_at) / 86400 / v_tau_days))
                   FILTER (WHERE e.polarity > 0) AS strength
        FROM pgrec.weighted_events e
        WHERE e.user_id = v_uid AND e.occurred_at <= v_now
        GROUP BY e.item_id
    ),
    liked AS (
        SELECT h.item_id, h.strength FROM history h
        WHERE h.strength IS NOT NULL AND v_personal
        ORDER BY h.strength DESC LIMIT 50
    ),
    collab AS (
        SELECT nb.neighbor_id AS id,
               sum(nb.score * l.strength) AS raw,
               (array_agg(l.item_id ORDER BY nb.score * l.strength DESC))[1] AS because
        FROM liked l
        JOIN pgrec.item_neighbors nb ON nb.item_id = l.item_id
        GROUP BY nb.neighbor_id
        ORDER BY raw DESC
        LIMIT v_pool
    ),
    interest AS (
        SELECT key::integer AS tag_id, value::float8 AS weight FROM jsonb_each_text(v_interest)
    ),
    by_tags AS (
        SELECT i.id FROM pgrec.items i
        LEFT JOIN pgrec.item_stats s ON s.item_id = i.id
        WHERE v_interest <> '{}'
          AND i.tag_ids && (SELECT array_agg(tag_id) FROM interest)
          AND i.status = 'active'
        ORDER BY coalesce(s.engagement_score, 0) DESC, i.id
        LIMIT v_pool
    ),
    popular AS (
        SELECT s.item_id AS id FROM pgrec.item_stats s
        ORDER BY s.engagement_score DESC, s.item_id
        LIMIT v_pool
    ),
    fresh AS (
        SELECT i.id FROM pgrec.items i
        WHERE i.status = 'active' AND i.created_at <= v_now
        ORDER BY i.created_at DESC, i.id
        LIMIT 100
    ),
    candidates AS (
        SELECT id FROM collab UNION SELECT id FROM by_tags UNION SELECT id FROM popular UNION SELECT id FROM fresh
    ),
    eligible AS (
        SELECT i.*
        FROM candidates c
        JOIN pgrec.items i ON i.id = c.id
        WHERE i.status = 'active'
          AND (i.expires_at IS NULL OR i.expires_at > v_now)
          AND i.created_at <= v_now
          AND i.creator_id IS DISTINCT FROM feed.user_id
          AND NOT i.tag_ids && v_blocked
          AND NOT EXISTS (SELECT FROM history h WHERE h.item_id = i.id)
    ),
    terms AS (
        SELECT i.id, i.external_id, i.tag_ids, c.because,
               coalesce(c.raw / nullif(max(c.raw) OVER (), 0), 0) AS collaborative,
               coalesce((SELECT sum(it.weight * coalesce(k.weight, 0.2))
                         FROM interest it
                         JOIN pgrec.tags t ON t.id = it.tag_id
                         LEFT JOIN pgrec.tag_kinds k ON k.kind = t.kind
                         WHERE it.tag_id = ANY (i.tag_ids)), 0) AS tag_raw,
               coalesce(s.engagement_score, 0) AS engagement,
               exp(-greatest(extract(epoch FROM v_now - i.created_at), 0) / 86400 / v_tau_days) AS recency
        FROM eligible i
        LEFT JOIN collab c ON c.id = i.id
        LEFT JOIN pgrec.item_stats s ON s.item_id = i.id
    ),
    scored AS (
        SELECT t.*,
               coalesce(t.tag_raw / nullif(max(t.tag_raw) OVER (), 0), 0) AS tags,
               jsonb_strip_nulls(jsonb_build_object(
                   'collaborative', (v_w ->> 'collaborative')::float8 * t.collaborative,
                   'tags',          (v_w ->> 'tags')::float8 * coalesce(t.tag_raw / nullif(max(t.tag_raw) OVER (), 0), 0),
                   'engagement',    (v_w ->> 'engagement')::float8 * t.engagement,
                   'recency',       (v_w ->> 'recency')::float8 * t.recency)) AS weighted
        FROM terms t
    ),
    ranked AS (
        SELECT s.*, (SELECT sum(value::float8) FROM jsonb_each_text(s.weighted)) AS total
        FROM scored s
    )
    SELECT r.external_id,
           r.total,
           jsonb_build_object(
               'terms', r.weighted,
               'reasons', to_jsonb(array_remove(ARRAY[
                   CASE WHEN r.collaborative > 0.3 THEN
                        'because you liked ' || (SELECT coalesce(nullif(b.title, ''), b.external_id)
                                                 FROM pgrec.items b WHERE b.id = r.because) END,
                   CASE WHEN r.tags > 0.3 THEN
                        'matches your interest in ' || (SELECT t.name FROM interest it JOIN pgrec.tags t ON t.id = it.tag_id
                                                        WHERE it.tag_id = ANY (r.tag_ids)
                                                        ORDER BY it.weight DESC, t.id LIMIT 1) END,
                   CASE WHEN r.engagement > 0.6 THEN 'popular' END,
                   CASE WHEN r.recency > 0.9 THEN 'new' END], NULL)))
    FROM ranked r
    ORDER BY r.total DESC, r.external_id
    LIMIT feed.n OFFSET feed."offset";
END;
$$;
COMMENT ON FUNCTION rec.feed(text, integer, integer, text) IS
'Personalised feed for a user: (item_id, score, reasons) best first. Blends collaborative neighbours, tag interests, engagement and recency; excludes own, already-seen, inactive, expired and blocked-tag items. strategy: default | popular.';
