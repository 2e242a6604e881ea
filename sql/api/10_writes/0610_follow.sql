-- Follow creators: a JSON array of {user_id, creator_id, at?} (at defaults to rec.now()):
--   SELECT rec.follow('[{"user_id": "member7", "creator_id": "member1"}]');
-- The creator is the creator_id items carry; they need not have published anything yet. From
-- `at` on, the creator's newest items are candidates of the user's lists and count in the
-- signal "behavioral" (sql/schema/0190_follows.sql says why a follow is a relation and not an
-- event). Following a creator already followed changes nothing; following again after an
-- unfollow starts anew (a follow older than that unfollow, e.g. a retried batch, changes
-- nothing). Unknown users are created, as rec.track creates them; users erased with
-- rec.forget_user are refused (22023). The batch is validated whole. Returns the follows that
-- began.
CREATE FUNCTION rec.follow(follows jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now   constant timestamptz := rec.now();
    v_known text[];
    v_ids   bigint[];
    v_rows  integer;
BEGIN
    PERFORM rec._check_follows(follows);
    SELECT array_agg(c.external_id), array_agg(c.user_id) INTO v_known, v_ids
    FROM rec._create_users('follows', follows, 'follows') AS c;

    INSERT INTO pgrec.follows AS f (user_id, creator_id, followed_at)
    SELECT k.user_id, x.creator_id, x.at
    FROM (SELECT e ->> 'user_id' AS user_id, e ->> 'creator_id' AS creator_id,
                 min(coalesce((e ->> 'at')::timestamptz, v_now)) AS at
          FROM jsonb_array_elements(follows) AS e
          GROUP BY 1, 2) AS x
    JOIN unnest(v_known, v_ids) AS k(external_id, user_id) ON k.external_id = x.user_id
    ORDER BY k.user_id, x.creator_id
    ON CONFLICT ON CONSTRAINT follows_pkey DO UPDATE
        SET followed_at = excluded.followed_at, unfollowed_at = NULL
        WHERE f.unfollowed_at IS NOT NULL AND f.unfollowed_at <= excluded.followed_at;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.follow(jsonb) IS
'Follow creators: a JSON array of {user_id, creator_id, at?}; their newest items reach the user''s lists. Validated whole; following again is a no-op; unknown users are created (erased ones refused, 22023). Returns the follows that began.';
