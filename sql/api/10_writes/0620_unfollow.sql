-- Stop following: a JSON array of {user_id, creator_id, at?} (at defaults to rec.now()):
--   SELECT rec.unfollow('[{"user_id": "member7", "creator_id": "member1"}]');
-- From `at` on, the creator's items are no longer candidates for the follow and lose its part
-- of "behavioral" (a like of theirs still counts as a like). The row stays with its end time,
-- so a replay before it still sees the follow; rec.forget_user erases it with the user. A pair
-- that is not followed (or an unknown user) changes nothing, so a retry is harmless; an `at`
-- before the follow began ends nothing. The batch is validated whole. Returns the follows ended.
CREATE FUNCTION rec.unfollow(follows jsonb)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows integer;
BEGIN
    PERFORM rec._check_follows(follows);
    WITH asked AS (
        SELECT k.user_id, x.creator_id, x.at
        FROM (SELECT e ->> 'user_id' AS user_id, e ->> 'creator_id' AS creator_id,
                     max(coalesce((e ->> 'at')::timestamptz, v_now)) AS at
              FROM jsonb_array_elements(follows) AS e
              GROUP BY 1, 2) AS x
        JOIN pgrec.user_keys AS k ON k.external_id = x.user_id
    ),
    -- Rows locked in key order, as rec.follow writes them.
    locked AS (
        SELECT f.user_id, f.creator_id, a.at
        FROM pgrec.follows AS f
        JOIN asked AS a ON a.user_id = f.user_id AND a.creator_id = f.creator_id
        WHERE f.unfollowed_at IS NULL AND f.followed_at <= a.at
        ORDER BY f.user_id, f.creator_id
        FOR UPDATE OF f
    )
    UPDATE pgrec.follows AS f SET unfollowed_at = l.at
    FROM locked AS l
    WHERE f.user_id = l.user_id AND f.creator_id = l.creator_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.unfollow(jsonb) IS
'Stop following creators: a JSON array of {user_id, creator_id, at?}; the follow ends at `at` (default now). Not followed: nothing happens. Validated whole. Returns the follows ended.';
