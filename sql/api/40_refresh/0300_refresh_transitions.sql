-- Each user's distinct transitions as of p_now: for the user's events of the last 180 days in
-- time order (dismissals left out: they end a path rather than continue it), every change from
-- one item to another within 7 days is a transition A -> B. p_user_ids: only those users', a
-- filter in the events scan (the window's partition key); EXECUTE and PL/pgSQL as in
-- rec._item_event_totals.
CREATE FUNCTION rec._user_transitions(p_now timestamptz, p_user_ids bigint[] DEFAULT NULL)
RETURNS TABLE (item_id bigint, next_item_id bigint, user_id bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN QUERY EXECUTE format($sql$
        SELECT DISTINCT o.prev_item, o.item_id, o.user_id
        FROM (SELECT e.user_id, e.item_id, e.occurred_at,
                     lag(e.item_id) OVER w AS prev_item,
                     lag(e.occurred_at) OVER w AS prev_at
              FROM pgrec.weighted_events AS e
              WHERE e.polarity >= 0
                AND e.occurred_at > $1 - interval '180 days'
                AND e.occurred_at <= $1 %s
              WINDOW w AS (PARTITION BY e.user_id ORDER BY e.occurred_at, e.id)) AS o
        WHERE o.prev_item IS NOT NULL
          AND o.prev_item <> o.item_id
          AND o.occurred_at - o.prev_at <= interval '7 days'
    $sql$, CASE WHEN p_user_ids IS NOT NULL THEN 'AND e.user_id = ANY ($2)' END)
    USING p_now, p_user_ids;
END;
$$;
COMMENT ON FUNCTION rec._user_transitions(timestamptz, bigint[]) IS
'Internal: per user, the distinct item -> next item transitions (within 7 days, last 180 days) as of a time.';

-- Refresh step "transitions": what users did next. A pair A -> B counts the distinct users who
-- made it (one user bouncing between two items is one vote), needs two of them (one is
-- coincidence), and scores users(A -> B) / users(A -> anything). The best 50 next items per
-- item are kept.
--
-- Incremental and exact: a user's transitions depend only on their own events, so a run
-- recomputes the transitions (pgrec.user_transitions) of the users whose events changed since the
-- last run — new, deleted or updated events, and events that left the 180-day window since —
-- writes those that appeared or went, moves the users of their pairs (pgrec.transition_pairs)
-- by that difference, and then ranks again the items they start from (and the items of
-- deleted events, whose pairs are recounted: a forgotten user's paths stop counting at once)
-- from those pairs.
-- Everyone else's paths are as they were. A full rebuild sorts 180 days of events by (user,
-- time). Readers keep the previous rows until this transaction commits.
CREATE FUNCTION rec._refresh_transitions(p_full boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_run     rec.refresh_run;
    v_users   bigint[];
    v_sources bigint[];
    v_recount bigint[];
    v_moved_items bigint[];
    v_moved_next  bigint[];
    v_detail  text;
    v_rows    bigint;
BEGIN
    v_run := rec._refresh_begin('transitions', p_full, rec._event_types_digest());
    IF NOT v_run.incremental THEN
        DELETE FROM pgrec.user_transitions;
        INSERT INTO pgrec.user_transitions (item_id, next_item_id, user_id)
        SELECT t.item_id, t.next_item_id, t.user_id FROM rec._user_transitions(v_run.as_of) AS t;
        GET DIAGNOSTICS v_rows = ROW_COUNT;
        v_detail := v_rows || ' user transitions';
        -- TRUNCATE, not DELETE: only this step reads the pairs (under its step lock), and a
        -- rebuild's DELETE of every row writes each one to the WAL and leaves it for vacuum.
        TRUNCATE pgrec.transition_pairs;
        INSERT INTO pgrec.transition_pairs (item_id, next_item_id, users)
        SELECT t.item_id, t.next_item_id, count(*) FROM pgrec.user_transitions AS t GROUP BY 1, 2 ORDER BY 1, 2;
        DELETE FROM pgrec.item_transitions;
    ELSE
        EXECUTE 'SELECT array_agg(DISTINCT u.user_id ORDER BY u.user_id) FROM (
                     SELECT c.user_id FROM rec._changed_users($1, 0) AS c
                     UNION ALL
                     SELECT e.user_id FROM pgrec.weighted_events AS e
                     WHERE e.occurred_at > $3 - interval ''180 days'' AND e.occurred_at <= $2 - interval ''180 days''
                       AND e.polarity >= 0) AS u'
        INTO v_users USING v_run, v_run.as_of, v_run.prev_as_of;
        v_users := coalesce(v_users, '{}');
        -- Their transitions now against those stored, and only the difference written: most of
        -- a changed user's paths are as they were (a new event adds one step at the end), and
        -- rewriting them all cost most of a full rebuild. Both sides are read into temporary
        -- tables and compared there (on Citus the stored rows come from the users' shards).
        DROP TABLE IF EXISTS pg_temp.transitions_now, pg_temp.transitions_stored, pg_temp.transitions_diff;
        CREATE TEMPORARY TABLE pg_temp.transitions_now ON COMMIT DROP AS
        SELECT t.item_id, t.next_item_id, t.user_id FROM rec._user_transitions(v_run.as_of, v_users) AS t;
        CREATE TEMPORARY TABLE pg_temp.transitions_stored ON COMMIT DROP AS
        SELECT t.item_id, t.next_item_id, t.user_id FROM pgrec.user_transitions AS t WHERE t.user_id = ANY (v_users);
        ANALYZE pg_temp.transitions_now, pg_temp.transitions_stored;
        CREATE TEMPORARY TABLE pg_temp.transitions_diff ON COMMIT DROP AS
        SELECT coalesce(n.item_id, o.item_id) AS item_id, coalesce(n.next_item_id, o.next_item_id) AS next_item_id,
               coalesce(n.user_id, o.user_id) AS user_id, n.user_id IS NULL AS gone
        FROM pg_temp.transitions_now AS n
        FULL JOIN pg_temp.transitions_stored AS o
          ON o.item_id = n.item_id AND o.next_item_id = n.next_item_id AND o.user_id = n.user_id
        WHERE n.user_id IS NULL OR o.user_id IS NULL;
        DELETE FROM pgrec.user_transitions AS t
        WHERE t.user_id = ANY (v_users)
          AND (t.item_id, t.next_item_id, t.user_id) IN (SELECT d.item_id, d.next_item_id, d.user_id
                                                         FROM pg_temp.transitions_diff AS d WHERE d.gone);
        INSERT INTO pgrec.user_transitions (item_id, next_item_id, user_id)
        SELECT d.item_id, d.next_item_id, d.user_id FROM pg_temp.transitions_diff AS d WHERE NOT d.gone
        ORDER BY 1, 2, 3;
        -- The pairs they start from move by the difference, except the items of deleted
        -- events, whose pairs are recounted: a forgotten user's transitions went with the user
        -- (the foreign key), so no difference shows them, and they start from the items of that
        -- user's events. Only the pairs that changed are read and written. (The moved pairs
        -- cross as arrays, and rows are written from pg_temp alone: Citus writes a reference
        -- table from no query that joins a temporary table.)
        v_recount := ARRAY(SELECT DISTINCT c.item_id FROM rec._changes_since(v_run, 'events') AS c ORDER BY 1);
        v_sources := ARRAY(SELECT d.item_id FROM pg_temp.transitions_diff AS d UNION SELECT unnest(v_recount) ORDER BY 1);
        DROP TABLE IF EXISTS pg_temp.transition_pairs_moved, pg_temp.transition_pairs_stored,
                             pg_temp.transition_pairs_written;
        CREATE TEMPORARY TABLE pg_temp.transition_pairs_moved ON COMMIT DROP AS
        SELECT d.item_id, d.next_item_id, sum(CASE WHEN d.gone THEN -1 ELSE 1 END) AS users
        FROM pg_temp.transitions_diff AS d
        WHERE d.item_id <> ALL (v_recount)
        GROUP BY d.item_id, d.next_item_id;
        SELECT coalesce(array_agg(m.item_id ORDER BY m.item_id, m.next_item_id), '{}'),
               coalesce(array_agg(m.next_item_id ORDER BY m.item_id, m.next_item_id), '{}')
        INTO v_moved_items, v_moved_next
        FROM pg_temp.transition_pairs_moved AS m;
        CREATE TEMPORARY TABLE pg_temp.transition_pairs_stored ON COMMIT DROP AS
        SELECT p.item_id, p.next_item_id, p.users
        FROM unnest(v_moved_items, v_moved_next) AS m(item_id, next_item_id)
        JOIN pgrec.transition_pairs AS p ON p.item_id = m.item_id AND p.next_item_id = m.next_item_id;
        CREATE TEMPORARY TABLE pg_temp.transition_pairs_written ON COMMIT DROP AS
        SELECT t.item_id, t.next_item_id, count(*) AS users
        FROM pgrec.user_transitions AS t
        WHERE t.item_id = ANY (v_recount)
        GROUP BY t.item_id, t.next_item_id;
        INSERT INTO pg_temp.transition_pairs_written (item_id, next_item_id, users)
        SELECT m.item_id, m.next_item_id, coalesce(o.users, 0) + m.users
        FROM pg_temp.transition_pairs_moved AS m
        LEFT JOIN pg_temp.transition_pairs_stored AS o ON o.item_id = m.item_id AND o.next_item_id = m.next_item_id;
        DELETE FROM pgrec.transition_pairs AS p WHERE p.item_id = ANY (v_recount);
        DELETE FROM pgrec.transition_pairs AS p
        USING unnest(v_moved_items, v_moved_next) AS m(item_id, next_item_id)
        WHERE p.item_id = m.item_id AND p.next_item_id = m.next_item_id;
        INSERT INTO pgrec.transition_pairs (item_id, next_item_id, users)
        SELECT w.item_id, w.next_item_id, w.users FROM pg_temp.transition_pairs_written AS w WHERE w.users > 0
        ORDER BY 1, 2;
        v_detail := cardinality(v_users) || ' users recomputed, '
                    || (SELECT count(*) FROM pg_temp.transitions_diff) || ' transitions added or gone, '
                    || cardinality(v_sources) || ' items';
        DELETE FROM pgrec.item_transitions AS t WHERE t.item_id = ANY (v_sources);
    END IF;

    -- The rows of the sources (every item in full) from their pairs: users(A -> anything) by a
    -- sum, and only pairs of two users or more ranked (the others are never kept). The item
    -- checks drop transitions to or from items deleted since the users' rows were computed
    -- (their events went with them; those users are recomputed at the next run). Ranked into
    -- pg_temp first: Citus writes no reference table from a query over reference tables
    -- inside a function. EXECUTE: the incremental run reads its sources' pairs (the primary
    -- key leads with item_id), the full one all; one statement text would get one plan.
    DROP TABLE IF EXISTS pg_temp.transition_rows;
    EXECUTE format($sql$
        CREATE TEMPORARY TABLE pg_temp.transition_rows ON COMMIT DROP AS
        SELECT r.item_id, r.next_item_id, r.users, r.score
        FROM (SELECT p.item_id, p.next_item_id, p.users, p.users::double precision / t.users AS score,
                     row_number() OVER (PARTITION BY p.item_id ORDER BY p.users DESC, p.next_item_id) AS rn
              FROM pgrec.transition_pairs AS p
              JOIN (SELECT x.item_id, sum(x.users) AS users FROM pgrec.transition_pairs AS x %1$s GROUP BY x.item_id) AS t
                ON t.item_id = p.item_id
              WHERE p.users >= 2 %2$s) AS r
        WHERE r.rn <= 50
          AND EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = r.item_id)
          AND EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = r.next_item_id)
    $sql$, CASE WHEN v_run.incremental THEN 'WHERE x.item_id = ANY ($1)' ELSE '' END,
           CASE WHEN v_run.incremental THEN 'AND p.item_id = ANY ($1)' ELSE '' END) USING v_sources;
    INSERT INTO pgrec.item_transitions (item_id, next_item_id, users, score)
    SELECT r.item_id, r.next_item_id, r.users, r.score FROM pg_temp.transition_rows AS r ORDER BY 1, 2;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN rec._refresh_save(v_run, v_detail, v_rows);
END;
$$;
COMMENT ON FUNCTION rec._refresh_transitions(boolean) IS
'Refresh step transitions: item -> next item from users'' event sequences, top 50 per item, recomputing only the users whose events changed since the last run (all when p_full). Returns rows written.';
