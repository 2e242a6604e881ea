-- The public surface. Everything in rec is first closed to PUBLIC; the application role gets
-- the entry points it needs, the admin role also the operations. Internal functions (leading
-- underscore) are reachable only through the SECURITY DEFINER entry points.
-- Functions are named without argument lists (each name is unique in rec), so adding a
-- parameter with a default does not need an edit here.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA rec FROM PUBLIC;
GRANT USAGE ON SCHEMA rec TO pgrec_app;

GRANT EXECUTE ON FUNCTION rec.now, rec.upsert_items, rec.upsert_users, rec.track, rec.feed TO pgrec_app;

GRANT EXECUTE ON FUNCTION rec.refresh TO pgrec_admin;
