-- What pgrec knows about a user and whether that is enough to personalise:
--   SELECT rec.status('u42');
-- {user_id, known, personalization (the user's setting; consent to personalisation withdrawn
--  counts as off for personalized, needs_onboarding and default_blend), counts {events, positive_events,
--  preferred_tags, blocked_tags, onboarding_answers}, thresholds, enough_data, personalized,
--  needs_onboarding, has_vector, has_location, default_blend}.
-- enough_data: >= 3 preferred tags, or >= 10 events, or >= 5 positive events
-- (rec._cold_start_thresholds, the same test the feed applies through rec._user_context).
-- Below it, rec.feed serves the cold_start blend, and onboarding is needed until the user has
-- answered it. An unknown user is reported, not an error: a visitor is someone with no data yet.
CREATE FUNCTION rec.status(user_id text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now     constant timestamptz := rec.now();
    v_user    pgrec.users;
    v_limits  record;
    v_events  bigint;
    v_positive bigint;
    v_prefs   bigint;
    v_blocked bigint;
    v_answers bigint;
    v_enough  boolean;
    v_ctx     rec.user_context;
    v_allowed boolean;   -- the setting, and consent to personalisation (pgrec.consents)
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    SELECT * INTO v_limits FROM rec._cold_start_thresholds();
    -- Two steps, each a single-shard query on Citus (user_keys, then users by id).
    v_user.id := rec._user_id(status.user_id);
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = v_user.id;
    SELECT count(*), count(*) FILTER (WHERE e.polarity > 0) INTO v_events, v_positive
    FROM pgrec.weighted_events AS e WHERE e.user_id = v_user.id AND e.occurred_at <= v_now;
    SELECT count(*) FILTER (WHERE NOT ut.blocked), count(*) FILTER (WHERE ut.blocked) INTO v_prefs, v_blocked
    FROM pgrec.user_tags AS ut WHERE ut.user_id = v_user.id;
    SELECT count(*) INTO v_answers FROM pgrec.onboarding_answers AS a WHERE a.user_id = v_user.id;
    v_enough := v_prefs >= v_limits.preferred_tags OR v_events >= v_limits.events OR v_positive >= v_limits.positive_events;
    v_ctx := rec._user_context(user_id, v_now);
    v_allowed := coalesce(v_user.personalization, true)
                 AND (v_user.id IS NULL OR rec._consented(v_user.id, 'personalization'));
    RETURN jsonb_build_object(
        'user_id', user_id,
        'known', v_user.id IS NOT NULL,
        'personalization', coalesce(v_user.personalization, true),
        'counts', jsonb_build_object(
            'events', v_events,
            'positive_events', v_positive,
            'preferred_tags', v_prefs,
            'blocked_tags', v_blocked,
            'onboarding_answers', v_answers),
        'thresholds', jsonb_build_object(
            'preferred_tags', v_limits.preferred_tags,
            'events', v_limits.events,
            'positive_events', v_limits.positive_events),
        'enough_data', v_enough,
        'personalized', v_enough AND v_user.id IS NOT NULL AND v_allowed,
        'needs_onboarding', NOT v_enough AND v_allowed AND v_answers = 0,
        'has_vector', v_ctx.vector IS NOT NULL,
        'has_location', v_user.lat IS NOT NULL,
        'default_blend', CASE WHEN NOT v_allowed THEN 'cold_start (personalization off)'
                              WHEN v_enough THEN 'default' ELSE 'cold_start' END);
END;
$$;
COMMENT ON FUNCTION rec.status(text) IS
'A user''s signal counts, whether personalisation has enough data (>= 3 preferred tags, >= 10 events or >= 5 positive events), whether onboarding is needed, and which blend rec.feed serves them by default.';
