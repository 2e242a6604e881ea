-- Who is calling, for logs a person reads later (the audit log): the session's
-- application_name (the API and the scheduler set one), else the login role. Under SECURITY
-- DEFINER current_user is the function's owner, which says nothing.
CREATE FUNCTION rec._actor()
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT left(coalesce(nullif(pg_catalog.current_setting('application_name', true), ''), session_user::text), 200);
$$;
COMMENT ON FUNCTION rec._actor() IS 'Internal: the calling application (application_name) or login role.';
