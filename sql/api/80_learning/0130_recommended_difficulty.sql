-- The level a learner should be offered next, and why (adaptive difficulty, the formula of
-- rec._difficulty_target):
--   SELECT jsonb_pretty(rec.recommended_difficulty('learner7'));
-- {user_id, target (NULL without any evidence), basis: "recent scores" | "levels completed" |
--  "declared level" | "none", declared_level, recent: [{item_id, level, score, minutes,
--  estimate, suggestion, weight}] newest first, settings: the constants used}.
-- The feeds' "difficulty" signal prefers items near target; rec.learning_path and
-- rec.path_progress use the same target.
CREATE FUNCTION rec.recommended_difficulty(user_id text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_user   pgrec.users;
    v_recent jsonb;
    v_target double precision;
    v_levels boolean;
BEGIN
    PERFORM rec._check_id('user_id', recommended_difficulty.user_id);
    -- Two steps, each a single-shard query on Citus (user_keys, then users by id).
    v_user.id := rec._user_id(recommended_difficulty.user_id);
    SELECT * INTO v_user FROM pgrec.users AS u WHERE u.id = v_user.id;
    SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
               'item_id', i.external_id, 'completed_at', b.completed_at, 'level', b.level, 'score', b.score,
               'minutes', round(b.minutes::numeric, 1), 'estimate', b.estimate,
               'suggestion', round(b.suggestion::numeric, 3), 'weight', round(b.weight::numeric, 4)))
               ORDER BY b.weight DESC), '[]')
    INTO v_recent
    FROM rec._difficulty_basis(v_user.id, v_now) AS b
    JOIN pgrec.items AS i ON i.id = b.item_id;
    v_target := rec._difficulty_target(v_user.id, v_now);
    v_levels := EXISTS (SELECT FROM pgrec.events AS e JOIN pgrec.items AS i ON i.id = e.item_id
                        WHERE e.user_id = v_user.id AND e.occurred_at <= v_now
                          AND (e.type = 'complete' OR (e.type = 'rate' AND e.value >= 4))
                          AND jsonb_typeof(i.attributes -> 'level') = 'number');
    RETURN jsonb_build_object(
        'user_id', recommended_difficulty.user_id,
        'target', round(v_target::numeric, 3),
        'basis', CASE WHEN jsonb_array_length(v_recent) > 0 THEN 'recent scores'
                      WHEN v_target IS NULL THEN 'none'
                      WHEN v_levels THEN 'levels completed'
                      ELSE 'declared level' END,
        'declared_level', v_user.attributes -> 'level',
        'recent', v_recent,
        'settings', (SELECT to_jsonb(s) - 'id' FROM pgrec.difficulty_settings AS s LIMIT 1));
END;
$$;
COMMENT ON FUNCTION rec.recommended_difficulty(text) IS
'A learner''s recommended difficulty (target level), its basis (recent scores, levels completed, declared level, none) and the scored completions behind it.';
