-- What incremental refresh steps share: which events and changes a step has not processed yet,
-- whether this run may continue from the last one or must rebuild in full, and recording where
-- it got to (pgrec.refresh_state).
--
-- A step's watermark is the snapshot it read (pg_current_snapshot() when it began), not an
-- event id or a time: transactions commit out of id order, so "events after id N" would skip an
-- event whose transaction committed after the run but drew its id before. An event (or a change
-- in pgrec.refresh_changes) is new to a step exactly when its writing transaction (xact_id) is
-- not visible in that snapshot. Both columns have BRIN indexes, so finding them reads the newest
-- few ranges of the table.

-- The current transaction's id as rows record it (xact_id), assigning one if needed: a refresh
-- writes anyway.
CREATE FUNCTION rec._own_xact() RETURNS bigint
LANGUAGE sql VOLATILE
RETURN pg_current_xact_id()::text::bigint;
COMMENT ON FUNCTION rec._own_xact() IS 'Internal: the current transaction id as a number (events.xact_id).';

-- A digest of the event types (weights, polarities, neutral values): the derived data of every
-- event-based step depends on them, so a re-weighting makes the next run a full rebuild.
CREATE FUNCTION rec._event_types_digest() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT md5(coalesce(string_agg(t.type || ':' || t.weight || ':' || t.polarity || ':' || coalesce(t.neutral_value::text, '')
                                   || ':' || coalesce(t.max_value::text, ''), ',' ORDER BY t.type), ''))
    FROM pgrec.event_types AS t;
$$;
COMMENT ON FUNCTION rec._event_types_digest() IS 'Internal: digest of pgrec.event_types, part of every event-based step''s inputs.';

-- What a run of an incremental step works with, from its start to rec._refresh_save: the
-- snapshot it reads (its watermark once saved), its own transaction (which sees its own rows
-- although its snapshot does not list it), its clock (rec.now()), a digest of its inputs other
-- than events, and whether it continues from the last run (then that run's snapshot and clock).
-- A step may still turn a run into a full rebuild (incremental := false) when continuing would
-- cost as much.
CREATE TYPE rec.refresh_run AS (
    step          text,
    snapshot      pg_snapshot,
    own_xact      bigint,
    as_of         timestamptz,
    inputs        text,
    incremental   boolean,
    prev_snapshot pg_snapshot,
    prev_as_of    timestamptz
);

-- Start a run. It may continue from the step's last one unless (the reason goes to the run
-- log): a full rebuild was asked for; the step never ran, or its state went with a TRUNCATE; a
-- replay (pgrec tune) holds events out in this transaction, so nothing may be compared with the
-- real history; the last run is part of this transaction (its snapshot cannot tell this
-- transaction's events before it from those after); the clock (rec.as_of) is before the last
-- run's; the inputs changed; or the last full rebuild is older than the step's full_every.
CREATE FUNCTION rec._refresh_begin(p_step text, p_full boolean, p_inputs text) RETURNS rec.refresh_run
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_now    constant timestamptz := rec.now();
    v_every  interval;
    v_state  pgrec.refresh_state;
    v_reason text;
BEGIN
    SELECT s.full_every INTO v_every FROM pgrec.refresh_steps AS s WHERE s.step = p_step;
    SELECT * INTO v_state FROM pgrec.refresh_state AS s WHERE s.step = p_step;
    v_reason := CASE
        WHEN p_full THEN 'requested'
        WHEN v_every IS NULL THEN 'the step rebuilds on every run (full_every is null)'
        WHEN v_state.step IS NULL THEN 'no earlier run to continue from'
        WHEN EXISTS (SELECT FROM pgrec.replay_guard) THEN 'a replay holds events out in this transaction'
        WHEN v_state.xact_id = rec._own_xact() THEN 'the last run is part of this transaction'
        WHEN v_now < v_state.as_of THEN 'the clock is before the last run''s'
        WHEN v_state.inputs IS DISTINCT FROM p_inputs THEN 'its inputs changed'
        WHEN now() - v_state.full_at >= v_every THEN 'the last full rebuild is older than ' || v_every::text
    END;
    PERFORM set_config('pgrec.refresh_detail', coalesce('full (' || v_reason || ')', 'incremental'), true);
    RETURN ROW(p_step, pg_current_snapshot(), rec._own_xact(), v_now, p_inputs, v_reason IS NULL,
               v_state.snapshot, v_state.as_of)::rec.refresh_run;
END;
$$;
COMMENT ON FUNCTION rec._refresh_begin(text, boolean, text) IS
'Internal: start a run of an incremental step: its snapshot, clock and inputs, and whether it continues from the last run (else why not, for the run log).';

-- Turn a run into a full rebuild after all, when continuing would cost as much (most users
-- changed, a large retention DELETE); the reason goes to the run log.
CREATE FUNCTION rec._refresh_in_full(p_run rec.refresh_run, p_reason text) RETURNS rec.refresh_run
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('pgrec.refresh_detail', 'full (' || p_reason || ')', true);
    p_run.incremental := false;
    RETURN p_run;
END;
$$;
COMMENT ON FUNCTION rec._refresh_in_full(rec.refresh_run, text) IS
'Internal: the run as a full rebuild, with the reason in the run log.';

-- Record what the step's data is now as of, in the transaction that wrote it. The run log's
-- detail becomes the mode (and why it was full) plus the step's own account. Changes every
-- step has seen are no longer needed and are pruned. Returns p_rows, the rows the step wrote.
CREATE FUNCTION rec._refresh_save(p_run rec.refresh_run, p_detail text, p_rows bigint) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_detail text := concat_ws(': ', nullif(current_setting('pgrec.refresh_detail', true), ''), p_detail);
BEGIN
    INSERT INTO pgrec.refresh_state AS s (step, snapshot, as_of, inputs, full_at, mode, detail, xact_id)
    VALUES (p_run.step, p_run.snapshot, p_run.as_of, p_run.inputs, now(),
            CASE WHEN p_run.incremental THEN 'incremental' ELSE 'full' END, left(v_detail, 2000), p_run.own_xact)
    ON CONFLICT (step) DO UPDATE
    SET snapshot = excluded.snapshot, as_of = excluded.as_of, inputs = excluded.inputs,
        full_at = CASE WHEN p_run.incremental THEN s.full_at ELSE excluded.full_at END,
        mode = excluded.mode, detail = excluded.detail, xact_id = excluded.xact_id;
    PERFORM set_config('pgrec.refresh_detail', left(v_detail, 2000), true);
    DELETE FROM pgrec.refresh_changes AS c
    WHERE c.xact_id < (SELECT min(pg_snapshot_xmin(s.snapshot)::text::bigint) FROM pgrec.refresh_state AS s);
    RETURN p_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_save(rec.refresh_run, text, bigint) IS
'Internal: record the snapshot, clock and inputs a step''s derived data is as of (pgrec.refresh_state); prune changes every step has seen.';

-- The events an incremental run adds: those the current snapshot sees (p_snapshot, p_own) up to
-- p_now that the last run did not count, because its snapshot did not see them or they were in
-- its future (an event may be recorded up to a day ahead). Each is counted exactly once: in the
-- first run whose snapshot sees it and whose clock has reached it.
-- This and the readers below are PL/pgSQL, not SQL: Citus cannot plan the parameterized queries
-- of a SQL function over distributed tables (0A000); PL/pgSQL plans them with the values.
CREATE FUNCTION rec._new_events(p_run rec.refresh_run) RETURNS SETOF pgrec.weighted_events
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY
    SELECT e.*
    FROM pgrec.weighted_events AS e
    WHERE e.occurred_at <= p_run.as_of
      AND rec._xact_seen(e.xact_id, p_run.snapshot, p_run.own_xact)
      AND ((e.xact_id >= pg_snapshot_xmin(p_run.prev_snapshot)::text::bigint
            AND NOT pg_visible_in_snapshot(e.xact_id::text::xid8, p_run.prev_snapshot))
           OR e.occurred_at > p_run.prev_as_of);
END;
$$;
COMMENT ON FUNCTION rec._new_events(rec.refresh_run) IS
'Internal: the events (weighted) an incremental run of a step adds to what its last run counted.';

-- Changes logged since the last run (pgrec.refresh_changes: deleted or updated events, written
-- embeddings) that the current snapshot sees.
CREATE FUNCTION rec._changes_since(p_run rec.refresh_run, p_kind text)
RETURNS TABLE (item_id bigint, user_id bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT DISTINCT c.item_id, c.user_id
    FROM pgrec.refresh_changes AS c
    WHERE c.kind = p_kind
      AND c.xact_id >= pg_snapshot_xmin(p_run.prev_snapshot)::text::bigint
      AND NOT pg_visible_in_snapshot(c.xact_id::text::xid8, p_run.prev_snapshot)
      AND rec._xact_seen(c.xact_id, p_run.snapshot, p_run.own_xact);
END;
$$;
COMMENT ON FUNCTION rec._changes_since(rec.refresh_run, text) IS
'Internal: (item, user) of changes of a kind (events: deleted or updated; embedding: written) since a step''s last run.';

-- The users whose events an incremental run must recompute: those with new events of at least
-- a polarity (-1: all) and those with deleted or updated events.
CREATE FUNCTION rec._changed_users(p_run rec.refresh_run, p_min_polarity integer)
RETURNS TABLE (user_id bigint)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    SELECT e.user_id FROM rec._new_events(p_run) AS e WHERE e.polarity >= p_min_polarity
    UNION
    SELECT c.user_id FROM rec._changes_since(p_run, 'events') AS c WHERE c.user_id IS NOT NULL;
END;
$$;
COMMENT ON FUNCTION rec._changed_users(rec.refresh_run, integer) IS
'Internal: users with new events (of at least a polarity) or deleted or updated events since a step''s last run.';
