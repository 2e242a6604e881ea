-- A user's profile, as pgrec holds it now:
--   SELECT jsonb_pretty(rec.profile('visitor7'));
-- {user_id, known, version (0 before the first change, then +1 on every call that changes the
--  profile; rec.profile_history lists them), updated_at,
--  interests: [{tag, confidence 0..1, source (declared | onboarding | behaviour), sources
--              {source: confidence}, strength (behaviour, decayed to now), events, last_seen}]
--             strongest first, at most 50 (rec._profile_interests says how they combine),
--  aversions: [{tag, confidence, strength, events, last_seen}] from bounces, dismissals and
--             poor ratings, at most 20,
--  preferences: {preferred_tags, blocked_tags, max_distance_km, price_min, price_max,
--               personalization} as rec.upsert_users takes them,
--  consents: {purpose: granted} (answers, else each purpose's default), personalized (whether
--            lists use this profile: the preference and the consent),
--  attributes, learner: {level, learning_style, pace, recommended_difficulty} (when any is
--  known), counts: {events, positive_events, negative_events, preferred_tags, blocked_tags,
--  onboarding_answers, interests, aversions}}.
-- A user pgrec does not know gets known false and version 0: a host app asks before the first
-- event as well as after.
CREATE FUNCTION rec.profile(user_id text) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now       constant timestamptz := rec.now();
    v_user      pgrec.users;
    v_profile   pgrec.profiles;
    v_interests jsonb;
    v_aversions jsonb;
    v_n_liked   bigint;
    v_n_avoided bigint;
    v_facts     jsonb;
    v_consents  jsonb;
    v_target    double precision;
BEGIN
    v_user := rec._user_by_id(profile.user_id);
    IF v_user.id IS NULL THEN
        RETURN jsonb_build_object('user_id', profile.user_id, 'known', false, 'version', 0, 'updated_at', NULL,
                                  'interests', '[]'::jsonb, 'aversions', '[]'::jsonb, 'personalized', false);
    END IF;
    SELECT * INTO v_profile FROM pgrec.profiles AS p WHERE p.user_id = v_user.id;

    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'tag', i.tag, 'confidence', round(i.confidence::numeric, 4), 'source', i.source, 'sources', i.sources,
               'strength', round(i.strength::numeric, 4), 'events', i.events, 'last_seen', i.last_seen))
               ORDER BY i.confidence DESC, i.tag) FILTER (WHERE NOT i.aversion AND i.rn <= 50), '[]'),
           coalesce(jsonb_agg(jsonb_build_object(
               'tag', i.tag, 'confidence', round(i.confidence::numeric, 4), 'strength', round(i.strength::numeric, 4),
               'events', i.events, 'last_seen', i.last_seen)
               ORDER BY i.confidence DESC, i.tag) FILTER (WHERE i.aversion AND i.rn <= 20), '[]'),
           count(*) FILTER (WHERE NOT i.aversion), count(*) FILTER (WHERE i.aversion)
    INTO v_interests, v_aversions, v_n_liked, v_n_avoided
    FROM (SELECT x.*, row_number() OVER (PARTITION BY x.aversion ORDER BY x.confidence DESC, x.tag) AS rn
          FROM rec._profile_interests(v_user.id, v_now) AS x) AS i;

    SELECT f.facts INTO v_facts FROM rec._profile_facts(ARRAY[v_user.id]) AS f;
    SELECT jsonb_object_agg(p.purpose, rec._consented(v_user.id, p.purpose) ORDER BY p.purpose) INTO v_consents
    FROM pgrec.consent_purposes AS p;
    IF v_user.attributes ?| ARRAY['level', 'learning_style', 'pace']
       OR EXISTS (SELECT FROM pgrec.events AS e WHERE e.user_id = v_user.id AND e.type = 'complete') THEN
        v_target := rec._difficulty_target(v_user.id, v_now);
    END IF;

    RETURN jsonb_build_object(
        'user_id', profile.user_id,
        'known', true,
        'version', coalesce(v_profile.version, 0),
        'updated_at', v_profile.updated_at,
        'interests', v_interests,
        'aversions', v_aversions,
        'preferences', v_facts - ARRAY['location', 'attributes'],
        'location', v_facts -> 'location',
        'attributes', v_user.attributes,
        'consents', v_consents,
        'personalized', v_user.personalization AND coalesce((v_consents ->> 'personalization')::boolean, true),
        'learner', CASE WHEN v_user.attributes ?| ARRAY['level', 'learning_style', 'pace'] OR v_target IS NOT NULL THEN
                       jsonb_strip_nulls(jsonb_build_object(
                           'level', v_user.attributes -> 'level',
                           'learning_style', v_user.attributes -> 'learning_style',
                           'pace', v_user.attributes -> 'pace',
                           'recommended_difficulty', round(v_target::numeric, 2))) END,
        'counts', jsonb_build_object(
            'events', coalesce(v_profile.events, 0),
            'positive_events', coalesce(v_profile.positive_events, 0),
            'negative_events', coalesce(v_profile.negative_events, 0),
            'preferred_tags', (SELECT count(*) FROM jsonb_object_keys(v_facts -> 'preferred_tags')),
            'blocked_tags', jsonb_array_length(v_facts -> 'blocked_tags'),
            'onboarding_answers', (SELECT count(*) FROM pgrec.onboarding_answers AS a WHERE a.user_id = v_user.id),
            'interests', v_n_liked,
            'aversions', v_n_avoided));
END;
$$;
COMMENT ON FUNCTION rec.profile(text) IS
'A user''s profile: version, interests (confidence 0..1, source declared|onboarding|behaviour), aversions, preferences, consents, attributes, learner (level, style, pace, recommended difficulty), counts. Unknown user: known false, version 0.';

-- The versions of a user's profile, newest first: when, why (events, preferences, onboarding,
-- consent, rules) and what changed. Page with `before` (a version): the next page starts below
-- it. A user pgrec does not know has none.
CREATE FUNCTION rec.profile_history(user_id text, n integer DEFAULT 50, before bigint DEFAULT NULL)
RETURNS TABLE (version bigint, changed_at timestamptz, cause text, changes jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_uid bigint;
BEGIN
    PERFORM rec._check_page(n, 0);
    v_uid := (rec._user_by_id(profile_history.user_id)).id;
    RETURN QUERY
    SELECT h.version, h.changed_at, h.cause, h.changes
    FROM pgrec.profile_history AS h
    WHERE h.user_id = v_uid
      AND (profile_history.before IS NULL OR h.version < profile_history.before)
    ORDER BY h.version DESC
    LIMIT n;
END;
$$;
COMMENT ON FUNCTION rec.profile_history(text, integer, bigint) IS
'Versions of a user''s profile newest first (version, changed_at, cause, changes), n per page (1..500) before a version; none for an unknown user.';
