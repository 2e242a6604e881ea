-- The audit log, newest first (pgrec_admin): profile-affecting and privacy actions
-- (preferences, onboarding, consent, export, forget, unforget, profile_rules), who did them
-- (actor: the application_name the caller set, which a caller chooses; login_role: the
-- session's role, which it cannot) and details. With user_id, that user's entries — also after
-- they were erased, when the entries no longer hold the id but its digest still matches.
-- since: entries at or after that time; n: at most that many (1..500).
--
-- The body is rec._audit_log: a PL/pgSQL function cannot have a parameter named like one of
-- its output columns (user_id), so the public function is a one-line SQL wrapper.
CREATE FUNCTION rec._audit_log(p_user_id text, p_since timestamptz, p_n integer)
RETURNS TABLE (id bigint, at timestamptz, action text, user_id text, actor text, login_role text, details jsonb)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    IF p_user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', p_user_id);
    END IF;
    PERFORM rec._check_page(p_n, 0);
    IF p_since IS NOT NULL AND NOT isfinite(p_since) THEN
        RAISE EXCEPTION 'since must be a finite time' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY
    SELECT a.id, a.at, a.action, a.user_id, a.actor, a.login_role, a.details
    FROM pgrec.audit_log AS a
    WHERE (p_user_id IS NULL OR a.user_digest = rec._user_digest(p_user_id))
      AND (p_since IS NULL OR a.at >= p_since)
    ORDER BY a.at DESC, a.id DESC
    LIMIT p_n;
END;
$$;
COMMENT ON FUNCTION rec._audit_log(text, timestamptz, integer) IS 'Internal: the body of rec.audit_log.';

CREATE FUNCTION rec.audit_log(user_id text DEFAULT NULL, since timestamptz DEFAULT NULL, n integer DEFAULT 100)
RETURNS TABLE (id bigint, at timestamptz, action text, user_id text, actor text, login_role text, details jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT * FROM rec._audit_log($1, $2, $3);
$$;
COMMENT ON FUNCTION rec.audit_log(text, timestamptz, integer) IS
'Audit log of profile-affecting and privacy actions, newest first (id, at, action, user_id, actor, login_role, details); a user''s entries by id digest, also after erasure.';
