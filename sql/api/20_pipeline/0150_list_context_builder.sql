-- Resolve one call of a list into a rec.list_context: validate the strategy and the weights
-- override, resolve the user (rec._user_context), set the anchors, compute the signals that
-- come as ranked lists (collaborative, sequence, keyword, trending), decide which signals have
-- data and rescale their weights to sum to 1, and size the candidate sources.
--
-- Whose weights:
--   * 'experiment:NAME' asks for the strategy of the user's variant (rec._experiment_strategy);
--   * an override (p_weights) always wins, with the asked strategy's parameters;
--   * a strategy with a cold_start strategy serves that one to visitors, users who switched
--     personalisation off, and users below the thresholds of rec._cold_start_thresholds (what
--     little they have, e.g. onboarding tags or a first like, still counts there);
--   * otherwise the asked strategy.
-- Signals without data for this call (no vector, no location, no history, no query ...) drop
-- out and the remaining weights are rescaled to sum to 1. A list with fallback (the feeds)
-- then uses engagement 0.8 and recency 0.2 when nothing is left, so it never fails; a list
-- without fallback has nothing to rank and returns no rows.
--
-- Anchors: the list passes its own (an item, a session, a point, a query, a window); a feed's
-- come from its user.
--
-- Exclusions: the strategy's exclusion policy, unless the call names one (p_exclusion_policy:
-- a marketplace request that shows seen listings again); a policy may also leave out items the
-- user has an event of given types (unapplied: every listing applied to). A strategy that is not personalised uses nothing about the user for
-- ranking, but its exclusion policy still keeps out what the user has seen (rec.similar_items
-- with a user), unless the user switched personalisation off.
CREATE FUNCTION rec._list_context(
    p_list text, p_strategy text, p_weights jsonb, p_user_id text, p_n integer, p_offset integer,
    p_anchor_items bigint[] DEFAULT NULL, p_anchor_strengths double precision[] DEFAULT NULL,
    p_anchor_vector public.vector DEFAULT NULL, p_anchor_tags integer[] DEFAULT NULL,
    p_lat double precision DEFAULT NULL, p_lon double precision DEFAULT NULL, p_reach_km double precision DEFAULT NULL,
    p_query text DEFAULT NULL, p_window interval DEFAULT NULL, p_tags_filter integer[] DEFAULT NULL,
    p_filter jsonb DEFAULT NULL, p_given_items bigint[] DEFAULT NULL, p_exclusion_policy text DEFAULT NULL)
RETURNS rec.list_context
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    c          rec.list_context;
    v_asked    pgrec.strategies;
    v_params   pgrec.strategies;
    v_policy   pgrec.exclusion_policies;
    v_override jsonb;
    v_personal boolean;
    v_k        integer;
    v_active   jsonb;
BEGIN
    -- 'experiment:NAME': the user's variant of that A/B experiment chooses the strategy; from
    -- here on the call is that strategy's, and its rows say which experiment and variant.
    IF p_strategy LIKE 'experiment:%' THEN
        SELECT x.experiment, x.variant, x.strategy INTO c.experiment, c.variant, p_strategy
        FROM rec._experiment_strategy(p_list, p_strategy, p_weights, p_user_id, rec.now()) AS x;
    END IF;
    -- A feed asked for without a strategy serves the installation's fitted blend, when
    -- `pgrec tune` fitted one that beat default on its validation slice; else default.
    IF p_strategy IS NULL AND p_list = 'feed' THEN
        p_strategy := rec._served_feed_strategy();
    END IF;
    IF p_strategy IS NULL THEN
        RAISE EXCEPTION 'strategy must not be null' USING ERRCODE = '22004',
            HINT = 'One of: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM pgrec.strategies AS s WHERE s.list = p_list);
    END IF;
    SELECT * INTO v_asked FROM pgrec.strategies AS s WHERE s.name = p_strategy;
    IF NOT FOUND OR v_asked.list <> p_list THEN
        RAISE EXCEPTION 'unknown % strategy "%"', p_list, p_strategy USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM pgrec.strategies AS s WHERE s.list = p_list);
    END IF;
    v_override := rec._weights_override(p_weights);
    IF p_exclusion_policy IS NOT NULL
       AND NOT EXISTS (SELECT FROM pgrec.exclusion_policies AS p WHERE p.name = p_exclusion_policy) THEN
        RAISE EXCEPTION 'exclusion_policy "%" is not an exclusion policy', left(p_exclusion_policy, 100) USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(p.name, ', ' ORDER BY p.name) FROM pgrec.exclusion_policies AS p);
    END IF;

    c.list := p_list;
    c.strategy := p_strategy;
    c.now := rec.now();
    c.n := p_n;
    c."offset" := p_offset;
    c.u := rec._user_context(p_user_id, c.now, v_asked.history_tau_days);

    c.cold_start := v_asked.cold_start IS NOT NULL AND (NOT (c.u).personal OR (c.u).cold);
    IF c.cold_start AND v_override IS NULL THEN
        SELECT * INTO v_params FROM pgrec.strategies AS s WHERE s.name = v_asked.cold_start;
        IF v_params.history_tau_days <> v_asked.history_tau_days THEN
            c.u := rec._user_context(p_user_id, c.now, v_params.history_tau_days);
        END IF;
    ELSE
        v_params := v_asked;
    END IF;
    c.weights_from := CASE WHEN v_override IS NOT NULL THEN 'override' ELSE v_params.name END;
    c.fallback := v_params.fallback;
    c.recency_tau_days := v_params.recency_tau_days;
    c.candidate_limit := v_params.candidate_limit;
    c.diversity_penalty := v_params.diversity_penalty;
    c.max_per_category := v_params.max_per_category;
    c.category_window := v_params.category_window;
    c.recency_new_boost := v_params.recency_new_boost;
    v_personal := v_params.personalized AND (c.u).personal;

    -- Anchors.
    IF p_anchor_items IS NOT NULL THEN
        c.anchor_items := p_anchor_items;
        c.anchor_strengths := coalesce(p_anchor_strengths, array_fill(1::double precision, ARRAY[cardinality(p_anchor_items)]));
    ELSIF p_list = 'feed' AND v_personal THEN
        c.anchor_items := (c.u).positive_items;
        c.anchor_strengths := (c.u).positive_strengths;
    ELSE
        c.anchor_items := '{}';
        c.anchor_strengths := '{}';
    END IF;
    IF cardinality(c.anchor_items) = 1 THEN
        SELECT coalesce(nullif(i.title, ''), i.external_id) INTO c.anchor_title
        FROM pgrec.items AS i WHERE i.id = c.anchor_items[1];
    END IF;
    c.anchor_vector := coalesce(p_anchor_vector, CASE WHEN p_list = 'feed' AND v_personal THEN (c.u).vector END);
    IF p_anchor_tags IS NOT NULL THEN
        c.anchor_tags := p_anchor_tags;
        c.anchor_tag_weights := array_fill(1::double precision, ARRAY[cardinality(p_anchor_tags)]);
    ELSIF v_personal THEN
        c.anchor_tags := (c.u).interest_tags;
        c.anchor_tag_weights := (c.u).interest_weights;
    ELSE
        c.anchor_tags := '{}';
        c.anchor_tag_weights := '{}';
    END IF;
    c.anchor_tag_total := coalesce((SELECT sum(w) FROM unnest(c.anchor_tag_weights) AS w), 0);
    IF p_lat IS NOT NULL THEN
        c.lat := p_lat;
        c.lon := p_lon;
        c.reach_km := p_reach_km;
        c.hard_reach := true;
        c.located_only := true;
    ELSIF v_personal AND (c.u).lat IS NOT NULL THEN
        c.lat := (c.u).lat;
        c.lon := (c.u).lon;
        c.reach_km := coalesce((c.u).max_distance_km, 50);
        c.hard_reach := (c.u).max_distance_km IS NOT NULL;
        -- A local product without the user's own maximum: its reach (a listing in another city).
        c.distance_limit_km := CASE WHEN (c.u).max_distance_km IS NULL THEN v_params.distance_limit_km END;
    END IF;
    c.hard_reach := coalesce(c.hard_reach, false);
    c.located_only := coalesce(c.located_only, false);
    c.query := p_query;
    c."window" := coalesce(p_window, interval '24 hours');
    c.tags_filter := p_tags_filter;
    -- The caller's content filter (validated here, once per call) and, for rec.rank, the
    -- caller's items as the only candidates.
    c.filter := rec._content_filter(p_filter);
    c.given_items := p_given_items;
    IF NOT v_personal THEN
        -- Ranking uses nothing about the user; exclusions (below) still may.
        c.u.pref_tags := '{}'; c.u.pref_weights := '{}'; c.u.pref_norm := 0;
        c.u.liked_creators := '{}'; c.u.liked_creator_items := '{}'; c.u.followed_creators := '{}';
        c.u.price_min := NULL; c.u.price_max := NULL;
    END IF;

    -- What the exclusion policy leaves out.
    SELECT * INTO v_policy FROM pgrec.exclusion_policies AS p
    WHERE p.name = coalesce(p_exclusion_policy, v_params.exclusion_policy);
    c.exclusion_policy := v_policy.name;
    c.exclude_own := v_policy.own_items AND p_user_id IS NOT NULL;
    c.excluded_items := ARRAY(
        SELECT DISTINCT x FROM unnest(
            CASE WHEN v_policy.interacted THEN (c.u).interacted_items ELSE '{}' END
            || CASE WHEN v_policy.acted THEN (c.u).acted_items ELSE '{}' END
            || CASE WHEN v_policy.dismissed THEN (c.u).dismissed_items ELSE '{}' END
            || CASE WHEN v_policy.anchors THEN c.anchor_items ELSE '{}' END
            -- By event type, from the user's newest 10,000 events (the history's bound); like
            -- the rest of the history, not for a user who switched personalisation off.
            || CASE WHEN cardinality(v_policy.event_types) > 0 AND (c.u).personal THEN ARRAY(
                   SELECT e.item_id FROM pgrec.events AS e
                   WHERE e.user_id = (c.u).id AND e.occurred_at <= c.now AND e.type = ANY (v_policy.event_types)
                   ORDER BY e.occurred_at DESC LIMIT 10000) ELSE '{}' END) AS x);

    -- Signals that come as ranked lists, computed once for the whole call. k items each is
    -- enough for any page the pool can serve.
    v_k := greatest(v_params.candidate_limit, p_offset + p_n);
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'collaborative')::float8, 0) > 0 AND cardinality(c.anchor_items) > 0 THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.value ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.because ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.collab_items, c.collab_values, c.collab_because
        FROM rec._collaborative('itemknn', c.anchor_items, c.anchor_strengths, v_k) AS x;
    END IF;
    -- The fitted models score the user's whole history (when the fit saw the user), so they
    -- are the feed's: a list anchored elsewhere (a similar item, a session) uses EASE's item
    -- rows like any neighbours.
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'ease')::float8, 0) > 0 AND cardinality(c.anchor_items) > 0 THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.value ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.because ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.ease_items, c.ease_values, c.ease_because
        FROM (SELECT * FROM rec._model_list('ease', (c.u).id, (c.u).positive_items, (c.u).positive_strengths,
                                           (c.u).positive_events, v_k)
              WHERE p_list = 'feed'
              UNION ALL
              SELECT * FROM rec._collaborative('ease', c.anchor_items, c.anchor_strengths, v_k)
              WHERE p_list <> 'feed') AS x;
    END IF;
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'als')::float8, 0) > 0 AND p_list = 'feed' AND v_personal THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.value ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.als_items, c.als_values
        FROM rec._model_list('als', (c.u).id, (c.u).positive_items, (c.u).positive_strengths, (c.u).positive_events, v_k) AS x;
    END IF;
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'sequence')::float8, 0) > 0 AND cardinality(c.anchor_items) > 0 THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.value ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.because ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.seq_items, c.seq_values, c.seq_because
        FROM rec._sequence(c.anchor_items[1:5], c.anchor_strengths[1:5], v_k) AS x;
    END IF;
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'keyword')::float8, 0) > 0 AND p_query IS NOT NULL THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(coalesce(x.value, 0) ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.keyword_items, c.keyword_values
        FROM rec._keyword_matches(p_query, c.now, v_k) AS x;
    END IF;
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'trending')::float8, 0) > 0 THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.value ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(CASE WHEN x.basis = 'velocity' THEN x.recent END ORDER BY x.value DESC, x.item_id), '{}'),
               coalesce(array_agg(x.previous ORDER BY x.value DESC, x.item_id), '{}')
        INTO c.trend_items, c.trend_values, c.trend_recent, c.trend_previous
        FROM rec._trending(c.now, c."window", v_k, p_tags_filter) AS x;
    END IF;

    -- What was popular in the twelve months up to the user's latest event (a user active now:
    -- the past year; one last seen years ago: their time, which replay shows to matter most
    -- for users with little history).
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'contemporary')::float8, 0) > 0 AND v_personal
       AND (c.u).latest_at IS NOT NULL THEN
        SELECT coalesce(array_agg(x.item_id ORDER BY x.users DESC, x.item_id), '{}'),
               coalesce(array_agg(x.users / x.best ORDER BY x.users DESC, x.item_id), '{}')
        INTO c.period_items, c.period_values
        FROM (SELECT t.item_id, sum(t.users)::float8 AS users, max(sum(t.users)) OVER ()::float8 AS best
              FROM pgrec.monthly_top_items AS m
              CROSS JOIN LATERAL unnest(m.items, m.users) AS t(item_id, users)
              WHERE m.month > (date_trunc('month', (c.u).latest_at, 'UTC') - interval '12 months')::date
                AND m.month <= date_trunc('month', (c.u).latest_at, 'UTC')::date
              GROUP BY t.item_id
              ORDER BY sum(t.users) DESC, t.item_id
              LIMIT v_k) AS x;
    END IF;

    -- The learner's recommended difficulty, for the "difficulty" signal.
    IF coalesce((coalesce(v_override, v_params.weights) ->> 'difficulty')::float8, 0) > 0 AND v_personal THEN
        c.difficulty_target := rec._difficulty_target((c.u).id, c.now);
    END IF;

    -- Which signals have data for this call; the others drop out of the weights.
    v_active := jsonb_build_object(
        'vector',        c.anchor_vector IS NOT NULL,
        'explicit',      cardinality((c.u).pref_tags) > 0,
        'tags',          cardinality(c.anchor_tags) > 0,
        'behavioral',    cardinality((c.u).liked_creators) > 0 OR cardinality((c.u).followed_creators) > 0
                         OR (v_personal AND NOT v_policy.interacted AND cardinality((c.u).viewed_items) > 0),
        'collaborative', cardinality(c.collab_items) > 0,
        'ease',          cardinality(c.ease_items) > 0,
        'als',           cardinality(c.als_items) > 0,
        'sequence',      cardinality(c.seq_items) > 0,
        'keyword',       cardinality(c.keyword_items) > 0,
        'trending',      cardinality(c.trend_items) > 0,
        'contemporary',  cardinality(c.period_items) > 0,
        'location',      c.lat IS NOT NULL,
        'price',         (c.u).price_min IS NOT NULL OR (c.u).price_max IS NOT NULL,
        'difficulty',    c.difficulty_target IS NOT NULL);
    SELECT jsonb_object_agg(x.signal, x.w / x.total) INTO c.weights
    FROM (SELECT s.signal, w.value::float8 AS w, sum(w.value::float8) OVER () AS total
          FROM jsonb_each_text(coalesce(v_override, v_params.weights)) AS w
          JOIN pgrec.feed_signals AS s ON s.signal = w.key
          WHERE w.value::float8 > 0
            AND (s.always_on OR coalesce((v_active ->> s.signal)::boolean, false))) AS x;
    IF c.weights IS NULL THEN
        c.weights := CASE WHEN c.fallback THEN '{"engagement": 0.8, "recency": 0.2}'::jsonb ELSE '{}'::jsonb END;
    END IF;
    c.w := jsonb_populate_record(NULL::rec.signals,
                                 (SELECT jsonb_object_agg(s.signal, coalesce((c.weights ->> s.signal)::float8, 0))
                                  FROM pgrec.feed_signals AS s));

    -- Candidate sources (those the strategy names, or all), each proposing a share of k that
    -- follows the weight of its signals: 2 w k items (at least 10, at most k), none below
    -- w = 0.05 (its items would rarely reach a page on that signal; the HNSW walk in particular
    -- is the most expensive source). With fallback, popular and fresh items always take k/2 and
    -- k/4 so the list is never empty.
    SELECT jsonb_object_agg(x.source, x.size) INTO c.sources
    FROM (SELECT s.source,
                 greatest(CASE WHEN sum(coalesce((c.weights ->> s.signal)::float8, 0)) >= 0.05
                               THEN least(v_k, greatest(10, round(2 * sum(coalesce((c.weights ->> s.signal)::float8, 0)) * v_k)::integer))
                               ELSE 0 END,
                          CASE WHEN c.fallback AND s.source = 'popular' THEN v_k / 2
                               WHEN c.fallback AND s.source = 'fresh' THEN greatest(v_k / 4, 10)
                               ELSE 0 END) AS size
          FROM pgrec.feed_signals AS s
          WHERE s.source IS NOT NULL
            AND (v_params.sources IS NULL OR s.source = ANY (v_params.sources))
          GROUP BY s.source) AS x
    WHERE x.size > 0;
    c.sources := coalesce(c.sources, '{}');

    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}') INTO c.category_tags
    FROM pgrec.tags AS t WHERE t.kind = 'category';
    RETURN c;
END;
$$;
COMMENT ON FUNCTION rec._list_context(text, text, jsonb, text, integer, integer, bigint[], double precision[], public.vector,
                                      integer[], double precision, double precision, double precision, text, interval, integer[],
                                      jsonb, bigint[], text) IS
'Internal: resolve one list call (strategy, weights override, user, anchors) into the context every pipeline stage reads.';
