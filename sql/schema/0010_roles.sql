-- What pgrec needs from the server before it can create anything of its own. This file runs as
-- the installing role (a superuser, or a role with CREATEROLE that owns the database); every
-- later file runs as pgrec_owner, so pgrec's objects are owned by a role that cannot log in
-- and is not a superuser. SECURITY DEFINER functions run as their owner: if that were a
-- superuser, one mistake in one function would hand the whole server to its caller.
--
-- pgvector is the only extension pgrec needs; both the embedded server and the official
-- pgvector image ship it. It is not a trusted extension, hence created here.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

-- Roles are cluster-wide: create them only when missing, never drop them (another database on
-- the same server may use them).
--   pgrec_owner  owns every pgrec object; NOLOGIN, so it acts only through pgrec's own code
--   pgrec_app    what an application or the HTTP API may call (feeds, track, upserts)
--   pgrec_admin  pgrec_app plus operations (refresh, embedding queue, keys)
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgrec_owner') THEN
        CREATE ROLE pgrec_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgrec_app') THEN
        CREATE ROLE pgrec_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgrec_admin') THEN
        CREATE ROLE pgrec_admin NOLOGIN;
    END IF;
END $$;
GRANT pgrec_app TO pgrec_admin;
-- On a Citus cluster the coordinator reaches the workers as the role that runs a query, and
-- pgrec's code runs as pgrec_owner (SECURITY DEFINER functions, and the install itself), so
-- there pgrec_owner must be able to log in. It has no password: how the nodes authenticate
-- to each other (pg_hba.conf on every node, pg_dist_authinfo) decides who may use it, and
-- that should be the cluster's own nodes only. Without Citus it stays NOLOGIN.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        ALTER ROLE pgrec_owner LOGIN;
    END IF;
END $$;
-- The installer creates the rest as pgrec_owner (SET ROLE), so it must be a member.
GRANT pgrec_owner TO CURRENT_USER;

-- The two schemas, owned by pgrec_owner: pgrec holds the data, rec the code applications call
-- (functions only; its contents are re-created on every install, see sql/api). IF NOT EXISTS:
-- Alembic creates pgrec first to hold its version table.
CREATE SCHEMA IF NOT EXISTS pgrec;
ALTER SCHEMA pgrec OWNER TO pgrec_owner;
COMMENT ON SCHEMA pgrec IS 'pgrec private data: tables and derived data. Applications use the rec schema instead.';
REVOKE ALL ON SCHEMA pgrec FROM PUBLIC;
-- A version table an older installer created as itself: the revisions now run as pgrec_owner.
ALTER TABLE IF EXISTS pgrec.alembic_version OWNER TO pgrec_owner;
CREATE SCHEMA IF NOT EXISTS rec;
ALTER SCHEMA rec OWNER TO pgrec_owner;
COMMENT ON SCHEMA rec IS 'pgrec public SQL API: functions only, no data.';
