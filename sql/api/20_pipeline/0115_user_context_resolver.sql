-- Resolve a list's optional user_id into a rec.user_context, as of p_now, with history decayed
-- by p_tau_days (the strategy's history_tau_days, so "your interests" mean what the strategy
-- says). The user's events are read once, straight from pgrec.events, so a rec.track call
-- shows in the very next list.
--
-- History per item: acted (any event beyond exposure), dismissed (a negative event), and the
-- strength of its best positive event, weight x exp(-age / tau), the age counted back from the
-- user's own latest positive event: what they liked last weighs most, and a user back after a
-- year still has a history (counted from p_now, everything they did would have faded to
-- nothing). Only positive events move that reference, so a view changes no other item's score. Interests: the declared tags
-- (weight x tag-kind weight) plus the tags of the 200 strongest positive items, summed by
-- strength and scaled to half the weight of a declared tag, so a long history does not drown
-- what the user said; the top 20, scaled so the strongest is 1. Blocked tags never count.
-- Only the newest 10,000 events are read: the cost of a call stays bounded for any user.
-- Follows (pgrec.follows) active at p_now give the creators the user follows.
CREATE FUNCTION rec._user_context(p_user_id text, p_now timestamptz, p_tau_days double precision DEFAULT 30)
RETURNS rec.user_context
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    u           rec.user_context;
    v_user      pgrec.users;
    v_limits    record;
    v_events    bigint;
    v_positive  bigint;
    v_last_pos  timestamptz;
BEGIN
    u.external_id := p_user_id;
    u.personal := false;
    u.cold := true;
    u.blocked_tags := '{}'; u.pref_tags := '{}'; u.pref_weights := '{}'; u.pref_norm := 0;
    u.interest_tags := '{}'; u.interest_weights := '{}';
    u.positive_items := '{}'; u.positive_strengths := '{}'; u.positive_events := '{}'; u.recent_items := '{}';
    u.interacted_items := '{}'; u.acted_items := '{}'; u.dismissed_items := '{}'; u.viewed_items := '{}';
    u.liked_creators := '{}'; u.liked_creator_items := '{}'; u.followed_creators := '{}';
    IF p_user_id IS NULL THEN
        RETURN u;
    END IF;
    -- Two steps, each a single-shard query on Citus (user_keys, then users by id).
    v_user.id := rec._user_id(p_user_id);
    SELECT * INTO v_user FROM pgrec.users AS x WHERE x.id = v_user.id;
    IF NOT FOUND THEN
        RETURN u;
    END IF;
    u.id := v_user.id;
    SELECT coalesce(array_agg(ut.tag_id ORDER BY ut.tag_id), '{}') INTO u.blocked_tags
    FROM pgrec.user_tags AS ut WHERE ut.user_id = v_user.id AND ut.blocked;
    -- Switched off in the preferences, or consent to personalisation withdrawn: a visitor.
    IF NOT v_user.personalization OR NOT rec._consented(v_user.id, 'personalization') THEN
        RETURN u;
    END IF;

    u.personal := true;
    u.lat := v_user.lat;
    u.lon := v_user.lon;
    u.max_distance_km := v_user.max_distance_km;
    u.price_min := v_user.price_min;
    u.price_max := v_user.price_max;

    SELECT coalesce(array_agg(ut.tag_id ORDER BY ut.tag_id), '{}'),
           coalesce(array_agg(ut.weight * coalesce(k.weight, dk.weight, 0.2) ORDER BY ut.tag_id), '{}'),
           coalesce(max(ut.weight * coalesce(k.weight, dk.weight, 0.2)), 0)
    INTO u.pref_tags, u.pref_weights, u.pref_norm
    FROM pgrec.user_tags AS ut
    JOIN pgrec.tags AS t ON t.id = ut.tag_id
    LEFT JOIN pgrec.tag_kinds AS k ON k.kind = t.kind
    LEFT JOIN pgrec.tag_kinds AS dk ON dk.kind = 'tag'
    WHERE ut.user_id = v_user.id AND NOT ut.blocked;

    WITH events AS (
        SELECT e.id, e.item_id, e.weight, e.polarity, e.occurred_at,
               max(e.occurred_at) FILTER (WHERE e.polarity > 0) OVER () AS latest
        FROM pgrec.weighted_events AS e
        WHERE e.user_id = v_user.id AND e.occurred_at <= p_now
        ORDER BY e.occurred_at DESC
        LIMIT 10000
    ),
    per_item AS (
        SELECT e.item_id,
               bool_or(e.polarity <> 0) AS acted,
               bool_or(e.polarity < 0) AS dismissed,
               max(e.weight * rec._decay(rec._age_days(e.occurred_at, e.latest) / p_tau_days))
                   FILTER (WHERE e.polarity > 0) AS strength,
               max(e.occurred_at) FILTER (WHERE e.polarity >= 0) AS last_at,
               max(e.occurred_at) FILTER (WHERE e.polarity > 0) AS last_positive_at,
               max(e.id) FILTER (WHERE e.polarity > 0) AS last_positive_event
        FROM events AS e
        GROUP BY e.item_id
    )
    SELECT coalesce(array_agg(p.item_id ORDER BY p.strength DESC, p.item_id) FILTER (WHERE p.strength > 0), '{}'),
           coalesce(array_agg(p.strength ORDER BY p.strength DESC, p.item_id) FILTER (WHERE p.strength > 0), '{}'),
           coalesce(array_agg(p.last_positive_event ORDER BY p.strength DESC, p.item_id) FILTER (WHERE p.strength > 0), '{}'),
           coalesce(array_agg(p.item_id ORDER BY p.item_id), '{}'),
           coalesce(array_agg(p.item_id ORDER BY p.item_id) FILTER (WHERE p.acted), '{}'),
           coalesce(array_agg(p.item_id ORDER BY p.item_id) FILTER (WHERE p.dismissed), '{}'),
           coalesce(array_agg(p.item_id ORDER BY p.item_id) FILTER (WHERE NOT p.acted), '{}'),
           (array_agg(p.item_id ORDER BY p.last_at DESC, p.item_id) FILTER (WHERE p.last_at IS NOT NULL AND NOT p.dismissed))[1:5],
           max(p.last_positive_at),
           (SELECT max(e.occurred_at) FROM events AS e),
           (SELECT count(*) FROM events),
           (SELECT count(*) FROM events AS e WHERE e.polarity > 0)
    INTO u.positive_items, u.positive_strengths, u.positive_events, u.interacted_items, u.acted_items, u.dismissed_items,
         u.viewed_items, u.recent_items, v_last_pos, u.latest_at, v_events, v_positive
    FROM per_item AS p;
    u.recent_items := coalesce(u.recent_items, '{}');

    SELECT * INTO v_limits FROM rec._cold_start_thresholds();
    u.cold := cardinality(u.pref_tags) < v_limits.preferred_tags
              AND v_events < v_limits.events
              AND v_positive < v_limits.positive_events;

    SELECT coalesce(array_agg(x.creator_id ORDER BY x.creator_id), '{}'),
           coalesce(array_agg(x.liked ORDER BY x.creator_id), '{}')
    INTO u.liked_creators, u.liked_creator_items
    FROM (SELECT i.creator_id, count(*)::integer AS liked
          FROM unnest(u.positive_items) AS h(item_id)
          JOIN pgrec.items AS i ON i.id = h.item_id
          WHERE i.creator_id IS NOT NULL
          GROUP BY i.creator_id) AS x;

    WITH observed AS (
        SELECT t.tag_id, sum(h.strength) AS w
        FROM unnest(u.positive_items[1:200], u.positive_strengths[1:200]) AS h(item_id, strength)
        JOIN pgrec.items AS i ON i.id = h.item_id
        CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
        GROUP BY t.tag_id
    ),
    merged AS (
        SELECT s.tag_id, sum(s.w) AS w
        FROM (SELECT d.tag_id, d.w / nullif(u.pref_norm, 0) AS w FROM unnest(u.pref_tags, u.pref_weights) AS d(tag_id, w)
              UNION ALL
              SELECT o.tag_id, 0.5 * o.w / max(o.w) OVER () FROM observed AS o) AS s
        WHERE s.tag_id <> ALL (u.blocked_tags)
        GROUP BY s.tag_id
        HAVING sum(s.w) > 0
    ),
    top AS (
        SELECT m.tag_id, m.w / max(m.w) OVER () AS w FROM merged AS m ORDER BY m.w DESC, m.tag_id LIMIT 20
    )
    SELECT coalesce(array_agg(t.tag_id ORDER BY t.w DESC, t.tag_id), '{}'),
           coalesce(array_agg(t.w ORDER BY t.w DESC, t.tag_id), '{}')
    INTO u.interest_tags, u.interest_weights
    FROM top AS t;

    -- Follows as of p_now (a replay sees the follows of its moment); the newest 1,000 bound the
    -- cost for a user who follows everyone.
    SELECT coalesce(array_agg(f.creator_id ORDER BY f.followed_at DESC, f.creator_id), '{}') INTO u.followed_creators
    FROM (SELECT f.creator_id, f.followed_at FROM pgrec.follows AS f
          WHERE f.user_id = v_user.id AND f.followed_at <= p_now
            AND (f.unfollowed_at IS NULL OR f.unfollowed_at > p_now)
          ORDER BY f.followed_at DESC, f.creator_id
          LIMIT 1000) AS f;

    u.vector := rec._user_vector(v_user.id, p_now, v_last_pos);
    RETURN u;
END;
$$;
COMMENT ON FUNCTION rec._user_context(text, timestamptz, double precision) IS
'Internal: resolve an optional user id into preferences, interests, history, exclusions and taste vector as of p_now (the one user resolver of every list).';
