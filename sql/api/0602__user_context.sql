-- What every feed with an optional user_id needs to know about that user, in one place:
--   id          internal id (NULL for an unknown user: a visitor we know nothing about)
--   personal    personalisation applies: a known user who has not switched it off
--   interest    {tag_id: weight} tag interests (rec._interest_profile), '{}' when not personal
--               or not asked for (p_interest false: the profile reads the user's history)
--   blocked     tag ids the user blocked: excluded everywhere, even with personalisation off
CREATE FUNCTION rec._user_context(p_user_id text, p_now timestamptz, p_interest boolean DEFAULT true,
                                  OUT id bigint, OUT personal boolean, OUT interest jsonb, OUT blocked integer[])
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public
AS $$
BEGIN
    personal := false;
    interest := '{}';
    blocked := '{}';
    IF p_user_id IS NULL THEN
        RETURN;
    END IF;
    PERFORM rec._check_id('user_id', p_user_id);
    SELECT u.id, u.personalization INTO id, personal FROM pgrec.users AS u WHERE u.external_id = p_user_id;
    IF id IS NULL THEN
        personal := false;
        RETURN;
    END IF;
    SELECT coalesce(array_agg(ut.tag_id ORDER BY ut.tag_id), '{}') INTO blocked
    FROM pgrec.user_tags AS ut WHERE ut.user_id = id AND ut.blocked;
    IF personal AND p_interest THEN
        -- Same 30-day decay as rec.feed, so "your interests" mean the same thing everywhere.
        interest := rec._interest_profile(id, p_now, 30);
    END IF;
END;
$$;
COMMENT ON FUNCTION rec._user_context(text, timestamptz, boolean) IS
'Internal: an optional user_id argument resolved to (id, personal, interest {tag_id: weight}, blocked tag ids).';
