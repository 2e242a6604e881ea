-- Stop following: a JSON array of {user_id, creator_id, at?} (at defaults to rec.now()):
--   SELECT rec.unfollow('[{"user_id": "member7", "creator_id": "member1"}]');
-- From `at` on, the creator's items are no longer candidates for the follow and lose its part
-- of "behavioral" (a like of theirs still counts as a like). The row stays with its end time,
-- so a replay before it still sees the follow; rec.forget_user erases it with the user. A pair
-- that is not followed (or an unknown user) changes nothing, so a retry is harmless; an `at`
-- before the follow began ends nothing. The batch is validated whole. Returns the follows ended.
CREATE FUNCTION rec.unfollow(follows jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now   constant timestamptz := rec.now();
    v_rows  integer := 0;
    v_n     integer;
    v_user  record;
BEGIN
    PERFORM rec._check_follows(follows);
    -- One user at a time in user id order, each user's rows in creator order, as rec.follow
    -- writes them: concurrent batches lock in one order. (Citus also locks rows only in
    -- single-shard statements, and one user's follows are on one shard.)
    FOR v_user IN
        SELECT k.user_id, array_agg(x.creator_id ORDER BY x.creator_id) AS creators,
               array_agg(x.at ORDER BY x.creator_id) AS ats
        FROM (SELECT e ->> 'user_id' AS user_id, e ->> 'creator_id' AS creator_id,
                     max(coalesce((e ->> 'at')::timestamptz, v_now)) AS at
              FROM jsonb_array_elements(follows) AS e
              GROUP BY 1, 2) AS x
        JOIN pgrec.user_keys AS k ON k.external_id = x.user_id
        GROUP BY k.user_id
        ORDER BY k.user_id
    LOOP
        UPDATE pgrec.follows AS f SET unfollowed_at = a.at
        FROM unnest(v_user.creators, v_user.ats) AS a(creator_id, at)
        WHERE f.user_id = v_user.user_id AND f.creator_id = a.creator_id
          AND f.unfollowed_at IS NULL AND f.followed_at <= a.at;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_rows := v_rows + v_n;
    END LOOP;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.unfollow(jsonb) IS
'Stop following creators: a JSON array of {user_id, creator_id, at?}; the follow ends at `at` (default now). Not followed: nothing happens. Validated whole. Returns the follows ended.';
