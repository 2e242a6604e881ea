-- Resolve one feed call into a rec.feed_context: validate the strategy and the weights
-- override, decide whose data is used and which weights apply, and read everything about
-- the user that scoring needs, once (their history is read here, straight from events, so a
-- rec.track call shows in the very next feed).
--
-- Whose weights:
--   * an override (p_weights) always wins, with the asked strategy's parameters;
--   * a personalised strategy serves the cold_start strategy's blend to visitors, users who
--     switched personalisation off, and users below the thresholds of
--     rec._cold_start_thresholds (what little they have, e.g. onboarding tags or a first
--     like, still counts there);
--   * otherwise the asked strategy.
-- Signals without data for this user (no vector, no location, no history...) drop out and
-- the remaining weights are rescaled to sum to 1; if none is left, engagement 0.8 and
-- recency 0.2 (what is popular and fresh) are used, so the feed never fails.
CREATE FUNCTION rec._feed_context(p_user_id text, p_strategy text, p_weights jsonb)
RETURNS rec.feed_context
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $$
DECLARE
    c          rec.feed_context;
    v_asked    pgrec.strategies;
    v_params   pgrec.strategies;
    v_override jsonb;
    v_user     pgrec.users;
    v_counts   record;
    v_limits   record;
    v_items    bigint[];
    v_strength double precision[];
    v_active   jsonb;
BEGIN
    IF p_strategy IS NULL THEN
        RAISE EXCEPTION 'strategy must not be null' USING ERRCODE = '22004',
            HINT = 'One of: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM pgrec.strategies AS s);
    END IF;
    SELECT * INTO v_asked FROM pgrec.strategies AS s WHERE s.name = p_strategy;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown strategy "%"', p_strategy USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM pgrec.strategies AS s);
    END IF;
    v_override := rec._feed_weights(p_weights);

    c.now := rec.now();
    c.strategy := p_strategy;
    c.user_external_id := p_user_id;
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.external_id = p_user_id;
    c.personal := v_user.id IS NOT NULL AND v_user.personalization AND v_asked.personalized;
    -- Blocked tags are a filter the user asked for, not personalisation: honoured always.
    SELECT coalesce(array_agg(ut.tag_id ORDER BY ut.tag_id), '{}') INTO c.blocked_tags
    FROM pgrec.user_tags AS ut WHERE ut.user_id = v_user.id AND ut.blocked;

    IF c.personal THEN
        SELECT * INTO v_limits FROM rec._cold_start_thresholds();
        SELECT * INTO v_counts FROM rec._user_counts(v_user.id, c.now, 10);
        c.cold_start := v_counts.preferred_tags < v_limits.preferred_tags
                        AND v_counts.events < v_limits.events
                        AND v_counts.positive_events < v_limits.positive_events;
    ELSE
        c.cold_start := v_asked.personalized;
    END IF;
    IF c.cold_start AND v_override IS NULL THEN
        SELECT * INTO v_params FROM pgrec.strategies AS s WHERE s.name = 'cold_start';
    END IF;
    IF v_params.name IS NULL THEN
        v_params := v_asked;
    END IF;
    c.weights_from := CASE WHEN v_override IS NOT NULL THEN 'override' ELSE v_params.name END;
    c.history_tau_days := v_params.history_tau_days;
    c.recency_tau_days := v_params.recency_tau_days;
    c.candidate_limit := v_params.candidate_limit;
    c.diversity_penalty := v_params.diversity_penalty;
    c.max_per_category := v_params.max_per_category;
    c.category_window := v_params.category_window;
    c.exclude_viewed := v_params.exclude_viewed;
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO c.category_tags
    FROM pgrec.tags AS t WHERE t.kind = 'category';

    -- Defaults for a call that uses nothing personal.
    c.pref_tags := '{}'; c.pref_weights := '{}'; c.pref_norm := 0;
    c.interest_tags := '{}'; c.interest_weights := '{}'; c.interest_total := 0;
    c.acted_items := '{}'; c.viewed_items := '{}';
    c.liked_creators := '{}'; c.liked_creator_items := '{}';
    c.collab_items := '{}'; c.collab_scores := '{}'; c.collab_because := '{}';

    IF c.personal THEN
        c.user_id := v_user.id;
        c.lat := v_user.lat;
        c.lon := v_user.lon;
        c.max_distance_km := v_user.max_distance_km;
        c.price_min := v_user.price_min;
        c.price_max := v_user.price_max;

        -- Declared preferences, each worth user weight x tag-kind weight.
        SELECT coalesce(array_agg(ut.tag_id ORDER BY ut.tag_id), '{}'),
               coalesce(array_agg(ut.weight * coalesce(k.weight, dk.weight, 0.2) ORDER BY ut.tag_id), '{}'),
               coalesce(max(ut.weight * coalesce(k.weight, dk.weight, 0.2)), 0)
        INTO c.pref_tags, c.pref_weights, c.pref_norm
        FROM pgrec.user_tags AS ut
        JOIN pgrec.tags AS t ON t.id = ut.tag_id
        LEFT JOIN pgrec.tag_kinds AS k ON k.kind = t.kind
        LEFT JOIN pgrec.tag_kinds AS dk ON dk.kind = 'tag'
        WHERE ut.user_id = v_user.id AND NOT ut.blocked;

        -- History, one row per item: did the user act on it (anything beyond exposure), and
        -- how strongly positive was it (best event weight, decayed).
        WITH history AS (
            SELECT e.item_id,
                   bool_or(t.polarity <> 0) AS acted,
                   max(e.weight * exp(greatest(-extract(epoch FROM c.now - e.occurred_at)::float8 / 86400 / c.history_tau_days, -700)))
                       FILTER (WHERE e.polarity > 0) AS strength
            FROM pgrec.weighted_events AS e
            JOIN pgrec.event_types AS t ON t.type = e.type
            WHERE e.user_id = v_user.id AND e.occurred_at <= c.now
            GROUP BY e.item_id
        )
        SELECT coalesce(array_agg(h.item_id) FILTER (WHERE h.acted), '{}'),
               coalesce(array_agg(h.item_id) FILTER (WHERE NOT h.acted), '{}'),
               coalesce(array_agg(h.item_id) FILTER (WHERE h.strength > 0), '{}'),
               coalesce(array_agg(h.strength) FILTER (WHERE h.strength > 0), '{}')
        INTO c.acted_items, c.viewed_items, v_items, v_strength
        FROM history AS h;

        SELECT coalesce(array_agg(x.creator_id ORDER BY x.creator_id), '{}'),
               coalesce(array_agg(x.liked ORDER BY x.creator_id), '{}')
        INTO c.liked_creators, c.liked_creator_items
        FROM (SELECT i.creator_id, count(*)::integer AS liked
              FROM unnest(v_items) AS h(item_id)
              JOIN pgrec.items AS i ON i.id = h.item_id
              WHERE i.creator_id IS NOT NULL
              GROUP BY i.creator_id) AS x;

        SELECT coalesce(array_agg(cb.item_id ORDER BY cb.value DESC, cb.item_id), '{}'),
               coalesce(array_agg(cb.value ORDER BY cb.value DESC, cb.item_id), '{}'),
               coalesce(array_agg(cb.because ORDER BY cb.value DESC, cb.item_id), '{}')
        INTO c.collab_items, c.collab_scores, c.collab_because
        FROM rec._collaborative(v_items, v_strength, c.candidate_limit) AS cb;

        -- The 20 strongest interest tags, scaled so the strongest is 1.
        SELECT coalesce(array_agg(x.tag_id ORDER BY x.w DESC, x.tag_id), '{}'),
               coalesce(array_agg(x.w / x.top ORDER BY x.w DESC, x.tag_id), '{}'),
               coalesce(sum(x.w / x.top), 0)
        INTO c.interest_tags, c.interest_weights, c.interest_total
        FROM (SELECT p.key::integer AS tag_id, p.value::float8 AS w, max(p.value::float8) OVER () AS top
              FROM jsonb_each_text(rec._interest_profile(v_user.id, c.now, c.history_tau_days)) AS p
              ORDER BY p.value::float8 DESC, p.key::integer
              LIMIT 20) AS x;

        c.user_vector := rec._user_vector(v_user.id);
    END IF;

    -- Which signals have data for this call; the others drop out of the weights.
    v_active := jsonb_build_object(
        'vector',        c.user_vector IS NOT NULL,
        'explicit',      cardinality(c.pref_tags) > 0,
        'tags',          cardinality(c.interest_tags) > 0,
        'behavioral',    cardinality(c.liked_creators) > 0 OR (NOT c.exclude_viewed AND cardinality(c.viewed_items) > 0),
        'collaborative', cardinality(c.collab_items) > 0,
        'trending',      EXISTS (SELECT FROM pgrec.trending AS tr WHERE tr.basis = 'velocity'),
        'location',      c.lat IS NOT NULL,
        'price',         c.price_min IS NOT NULL OR c.price_max IS NOT NULL);
    SELECT jsonb_object_agg(x.signal, x.w / x.total) INTO c.weights
    FROM (SELECT s.signal, w.value::float8 AS w, sum(w.value::float8) OVER () AS total
          FROM jsonb_each_text(coalesce(v_override, v_params.weights)) AS w
          JOIN pgrec.feed_signals AS s ON s.signal = w.key
          WHERE w.value::float8 > 0
            AND (s.always_on OR coalesce((v_active ->> s.signal)::boolean, false))) AS x;
    IF c.weights IS NULL THEN
        c.weights := '{"engagement": 0.8, "recency": 0.2}';
    END IF;
    RETURN c;
END;
$$;
COMMENT ON FUNCTION rec._feed_context(text, text, jsonb) IS
'Internal: validate strategy and weights, decide cold start / personalisation, and gather the user''s preferences, history, neighbours and vector for one feed call.';
