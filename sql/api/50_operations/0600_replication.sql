-- Where this server stands in streaming replication, for the dashboard's replica section and
-- for operators. On a primary: its current WAL position and, given a standby's replay position
-- (standby_lsn), how many bytes of WAL that standby has still to replay. On a hot standby: the
-- positions it received and replayed, the commit time of the last transaction it replayed and
-- its age. The standby side is what the API's read pool sees, the primary side what its write
-- pool sees; pg_stat_replication would say more, but its details need pg_read_all_stats, and
-- the functions used here are open to every role. Wall-clock time, not rec.now(): lag is now.
CREATE FUNCTION rec.replication(standby_lsn pg_lsn DEFAULT NULL) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN pg_is_in_recovery() THEN jsonb_build_object(
                    'role', 'standby',
                    'received_lsn', pg_last_wal_receive_lsn()::text,
                    'replayed_lsn', pg_last_wal_replay_lsn()::text,
                    'last_replayed_at', pg_last_xact_replay_timestamp(),
                    'replay_age_seconds', extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8,
                    'replay_paused', pg_is_wal_replay_paused())
                ELSE jsonb_build_object(
                    'role', 'primary',
                    'wal_lsn', pg_current_wal_lsn()::text,
                    'standby_behind_bytes', greatest(pg_wal_lsn_diff(pg_current_wal_lsn(), standby_lsn), 0)::bigint)
           END;
$$;
COMMENT ON FUNCTION rec.replication(pg_lsn) IS
'Streaming replication position of this server: on a primary its WAL position (and bytes a standby at standby_lsn is behind), on a standby what it received and replayed and when.';
