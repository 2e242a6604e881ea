-- Snapshots as watermarks (incremental refresh steps, precomputed feeds): whether the snapshot
-- a run or a build read saw the transaction that wrote a row (events.xact_id). Transactions
-- commit out of id order, so "rows after id N" would skip one committed late.

-- Whether a snapshot sees the transaction that wrote a row: rows from before xact_id existed
-- (NULL) and transactions older than the snapshot's xmin are seen; p_own is the transaction
-- that took the snapshot, which sees its own rows although its snapshot does not list them. The
-- cheap tests come first, so a full scan calls pg_visible_in_snapshot only for the newest rows. A plain SQL
-- body, so callers' queries inline it.
CREATE FUNCTION rec._xact_seen(p_xact bigint, p_snapshot pg_snapshot, p_own bigint) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p_xact IS NULL
    OR p_xact < pg_snapshot_xmin(p_snapshot)::text::bigint
    OR p_xact = p_own
    OR pg_visible_in_snapshot(p_xact::text::xid8, p_snapshot);
COMMENT ON FUNCTION rec._xact_seen(bigint, pg_snapshot, bigint) IS
'Internal: true when the snapshot (or p_own, the transaction that took it) sees the transaction p_xact that wrote a row.';
