#!/usr/bin/env bash
# Runs once, when the db container initialises an empty data directory (the official postgres
# image runs /docker-entrypoint-initdb.d/*), as the superuser. It creates the login roles the
# services connect as, each with the least it needs:
#
#   pgrec_api        member of pgrec_app only: EXECUTE on the rec functions an application may
#                    call (feeds, writes, key verification); no access to the pgrec tables.
#   pgrec_scheduler  member of pgrec_admin only: pgrec_app plus refresh and the embedding queue.
#
# The superuser (POSTGRES_USER) is used by the one-shot migrate service alone. pgrec's group
# roles are created here when missing, exactly as the first migration would (it creates them
# only if they do not exist), so the memberships can be granted before pgrec is installed.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v api_password="${PGREC_API_DB_PASSWORD:?set PGREC_API_DB_PASSWORD}" \
     -v scheduler_password="${PGREC_SCHEDULER_DB_PASSWORD:?set PGREC_SCHEDULER_DB_PASSWORD}" <<'SQL'
SELECT format('CREATE ROLE %I NOLOGIN', r) FROM unnest(ARRAY['pgrec_app', 'pgrec_admin']) AS r
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
GRANT pgrec_app TO pgrec_admin;

CREATE ROLE pgrec_api LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'api_password' IN ROLE pgrec_app;
CREATE ROLE pgrec_scheduler LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'scheduler_password' IN ROLE pgrec_admin;
SQL
