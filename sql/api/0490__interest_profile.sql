-- A user's tag interests as {tag_id: weight}: explicit preferences, plus the tags of items
-- they reacted to positively, decayed with age. History tags count half as much as declared
-- ones and are capped so one heavy user's history does not drown their stated preferences.
CREATE FUNCTION rec._interest_profile(p_user_id bigint, p_now timestamptz, p_tau_days float8)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, public
AS $$
    WITH declared AS (
        SELECT ut.tag_id, ut.weight::float8 AS weight
        FROM pgrec.user_tags ut
        WHERE ut.user_id = p_user_id AND NOT ut.blocked
    ),
    recent AS (
        -- float8 arithmetic (extract() is numeric, whose exp is slow), clamped so a very old
        -- event decays to ~0 instead of raising an underflow error.
        SELECT e.item_id,
               e.weight * exp(greatest(-extract(epoch FROM p_now - e.occurred_at)::float8 / 86400 / p_tau_days, -700)) AS w
        FROM pgrec.weighted_events e
        WHERE e.user_id = p_user_id AND e.polarity > 0 AND e.occurred_at <= p_now
        ORDER BY e.occurred_at DESC
        LIMIT 200
    ),
    observed AS (
        SELECT t.tag_id, sum(r.w) AS w
        FROM recent r
        JOIN pgrec.items i ON i.id = r.item_id
        CROSS JOIN LATERAL unnest(i.tag_ids) AS t(tag_id)
        GROUP BY t.tag_id
    ),
    merged AS (
        SELECT tag_id, sum(weight) AS weight
        FROM (SELECT tag_id, weight FROM declared
              UNION ALL
              SELECT tag_id, 0.5 * w / max(w) OVER () FROM observed) AS both_sources
        WHERE tag_id NOT IN (SELECT ut.tag_id FROM pgrec.user_tags ut WHERE ut.user_id = p_user_id AND ut.blocked)
        GROUP BY tag_id
    )
    SELECT coalesce(jsonb_object_agg(tag_id, weight), '{}') FROM merged WHERE weight > 0;
$$;
COMMENT ON FUNCTION rec._interest_profile(bigint, timestamptz, float8) IS
'Internal: a user''s tag interests {tag_id: weight} from explicit preferences and decayed positive history.';
