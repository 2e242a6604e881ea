-- pgrec keeps its data in the private schema `pgrec` and its code in the public API schema
-- `rec`. Applications are granted EXECUTE on rec functions only: they never touch the tables,
-- so the tables can change shape without breaking a caller, and `rec` holds no data, so it is
-- re-created wholesale whenever its code changes (see sql/api/).
--
-- pgvector is the only extension pgrec needs; both the embedded server and the official
-- pgvector image ship it. Functions resolve its types and operators through `public`.
CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public;

-- IF NOT EXISTS: Alembic creates it first to hold its version table.
CREATE SCHEMA IF NOT EXISTS pgrec;
COMMENT ON SCHEMA pgrec IS 'pgrec private data: tables and derived data. Applications use the rec schema instead.';

-- Roles are cluster-wide, so create them only when missing and never drop them on downgrade:
-- another database on the same server may use them.
--   pgrec_app    what an application or the HTTP API may call (feeds, track, upserts)
--   pgrec_admin  pgrec_app plus operations (refresh, embedding queue)
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgrec_app') THEN
        CREATE ROLE pgrec_app NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgrec_admin') THEN
        CREATE ROLE pgrec_admin NOLOGIN;
    END IF;
END $$;
GRANT pgrec_app TO pgrec_admin;

REVOKE ALL ON SCHEMA pgrec FROM PUBLIC;
