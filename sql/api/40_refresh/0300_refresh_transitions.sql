-- Refresh step "transitions": what users did next. For each user's events of the last 180
-- days in time order (dismissals left out: they end a path rather than continue it), every
-- change from one item to another within 7 days is a transition A -> B. A pair counts the
-- distinct users who made it (one user bouncing between two items is one vote), needs two of
-- them (one is coincidence), and scores users(A -> B) / users(A -> anything). The best 50
-- next items per item are kept.
--
-- Cost: one sort of 180 days of events by (user, time); the events_user_time index usually
-- provides the order. Readers keep the previous rows until this transaction commits.
CREATE FUNCTION rec._refresh_transitions()
RETURNS bigint
-- work_mem: one large window sort and hash aggregate; memory instead of spilling to disk.
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp SET work_mem = '256MB'
AS $$
DECLARE
    v_now  constant timestamptz := rec.now();
    v_rows bigint;
BEGIN

    DELETE FROM pgrec.item_transitions;
    WITH ordered AS (
        SELECT e.user_id, e.item_id, e.occurred_at,
               lag(e.item_id) OVER w AS prev_item,
               lag(e.occurred_at) OVER w AS prev_at
        FROM pgrec.weighted_events AS e
        WHERE e.polarity >= 0
          AND e.occurred_at > v_now - interval '180 days'
          AND e.occurred_at <= v_now
        WINDOW w AS (PARTITION BY e.user_id ORDER BY e.occurred_at, e.id)
    ),
    pairs AS (
        SELECT o.prev_item AS item_id, o.item_id AS next_item_id, count(DISTINCT o.user_id) AS users
        FROM ordered AS o
        WHERE o.prev_item IS NOT NULL
          AND o.prev_item <> o.item_id
          AND o.occurred_at - o.prev_at <= interval '7 days'
        GROUP BY o.prev_item, o.item_id
    ),
    ranked AS (
        SELECT p.item_id, p.next_item_id, p.users,
               p.users::double precision / sum(p.users) OVER (PARTITION BY p.item_id) AS score,
               row_number() OVER (PARTITION BY p.item_id ORDER BY p.users DESC, p.next_item_id) AS rn
        FROM pairs AS p
    )
    INSERT INTO pgrec.item_transitions (item_id, next_item_id, users, score)
    SELECT r.item_id, r.next_item_id, r.users, r.score
    FROM ranked AS r
    WHERE r.rn <= 50 AND r.users >= 2;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._refresh_transitions() IS 'Refresh step transitions: item -> next item from users'' event sequences, top 50 per item. Returns rows written.';
