-- The public surface. Everything in rec is first closed to PUBLIC; the application role gets
-- the entry points it needs, the admin role also the operations. Internal functions (leading
-- underscore) are reachable only through the SECURITY DEFINER entry points.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rec FROM PUBLIC;
GRANT USAGE ON SCHEMA rec TO pgrec_app;

GRANT EXECUTE ON FUNCTION
    rec.now(),
    rec.upsert_items(jsonb),
    rec.upsert_users(jsonb),
    rec.track(jsonb),
    rec.feed(text, integer, integer, text)
TO pgrec_app;

GRANT EXECUTE ON FUNCTION
    rec.refresh(text)
TO pgrec_admin;
