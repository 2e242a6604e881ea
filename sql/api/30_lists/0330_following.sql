-- The creators a user follows now (rec.now()), the latest follow first:
--   SELECT * FROM rec.following('member7');
-- `items` is how many live items each has (a profile page's "following" list). An unknown user
-- follows nobody: no rows.
CREATE FUNCTION rec.following(user_id text)
RETURNS TABLE (creator_id text, followed_at timestamptz, items bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now constant timestamptz := rec.now();
    v_uid bigint;
BEGIN
    PERFORM rec._check_id('user_id', following.user_id);
    v_uid := rec._user_id(following.user_id);
    RETURN QUERY
    SELECT f.creator_id, f.followed_at,
           (SELECT count(*) FROM pgrec.items AS i WHERE i.creator_id = f.creator_id AND pgrec.is_live(i.status, i.created_at, i.expires_at, v_now))
    FROM pgrec.follows AS f
    WHERE f.user_id = v_uid
      AND f.followed_at <= v_now AND (f.unfollowed_at IS NULL OR f.unfollowed_at > v_now)
    ORDER BY f.followed_at DESC, f.creator_id;
END;
$$;
COMMENT ON FUNCTION rec.following(text) IS
'The creators a user follows now: (creator_id, followed_at, items = their live items), latest follow first; no rows for an unknown user.';
