-- The validation slice of a replay (`pgrec tune`): in the caller's transaction, hold out each
-- sampled user's latest events by deleting them, and return what each went on to interact
-- with. The transaction can then never commit (pgrec.replay_guard): held-out events come back
-- at ROLLBACK, however the caller ends it.
--
-- Users with at least 5 events as of rec.now() are eligible, sampled deterministically by a
-- hash of their id and the seed. The first of them (1 in 3, at most cold_users) become
-- newcomers: they keep only their first cold_keep events. The next (at most users) keep their
-- history but for the latest share (at least one). Either way the held-out part is the latest
-- share of the user's events, and held_out the items in it the user did not reject and had not
-- touched in what they keep (a feed never shows those).
--   BEGIN; SELECT * FROM rec.replay_split(600, 100); ... ROLLBACK;
CREATE FUNCTION rec.replay_split(users integer DEFAULT 1000, cold_users integer DEFAULT 200,
                                 share double precision DEFAULT 0.2, cold_keep integer DEFAULT 3,
                                 seed integer DEFAULT 0)
RETURNS TABLE (user_id text, cold boolean, kept integer, held_out text[])
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_now constant timestamptz := rec.now();
BEGIN
    IF users IS NULL OR users NOT BETWEEN 0 AND 100000 THEN
        RAISE EXCEPTION 'users must be between 0 and 100000, got %', coalesce(users::text, 'null') USING ERRCODE = '22023';
    END IF;
    IF cold_users IS NULL OR cold_users NOT BETWEEN 0 AND 100000 THEN
        RAISE EXCEPTION 'cold_users must be between 0 and 100000, got %', coalesce(cold_users::text, 'null') USING ERRCODE = '22023';
    END IF;
    IF share IS NULL OR NOT (share > 0 AND share < 1) THEN
        RAISE EXCEPTION 'share must be between 0 and 1 (exclusive), got %', coalesce(share::text, 'null') USING ERRCODE = '22023';
    END IF;
    IF cold_keep IS NULL OR cold_keep NOT BETWEEN 1 AND 50 THEN
        RAISE EXCEPTION 'cold_keep must be between 1 and 50, got %', coalesce(cold_keep::text, 'null') USING ERRCODE = '22023';
    END IF;
    IF seed IS NULL THEN
        RAISE EXCEPTION 'seed must not be null' USING ERRCODE = '22004';
    END IF;
    IF EXISTS (SELECT FROM pgrec.replay_guard) THEN
        RAISE EXCEPTION 'this transaction already holds out a replay slice' USING ERRCODE = '25000',
            HINT = 'One rec.replay_split per transaction; ROLLBACK and start again.';
    END IF;
    INSERT INTO pgrec.replay_guard DEFAULT VALUES;

    -- Every event of the chosen users as of rec.now(), with the part it plays. pg_temp is
    -- named: the search path looks there last.

    CREATE TEMPORARY TABLE pg_temp.replay_events ON COMMIT DROP AS
    WITH eligible AS (
        SELECT e.user_id, count(*) AS n
        FROM pgrec.events AS e
        WHERE e.occurred_at <= v_now
        GROUP BY e.user_id
        HAVING count(*) >= 5
    ),
    sampled AS (
        SELECT g.user_id, g.n, row_number() OVER (ORDER BY md5(seed || ':' || u.external_id), u.external_id) AS draw,
               count(*) OVER () AS total
        FROM eligible AS g
        JOIN pgrec.users AS u ON u.id = g.user_id
    ),
    chosen AS (
        SELECT s.user_id, s.n, s.draw <= least(replay_split.cold_users, round(s.total / 3.0)) AS cold
        FROM sampled AS s
        WHERE s.draw <= least(replay_split.cold_users, round(s.total / 3.0)) + replay_split.users
    )
    SELECT p.id, p.user_id, p.item_id, p.polarity, p.cold,
           CASE WHEN p.position > p.n - p.n_out THEN 'held'
                WHEN p.cold AND p.position > cold_keep THEN 'dropped'
                ELSE 'kept' END AS part
    FROM (SELECT e.id, e.user_id, e.item_id, t.polarity, c.cold, c.n,
                 row_number() OVER (PARTITION BY e.user_id ORDER BY e.occurred_at, e.id) AS position,
                 greatest(1, round(c.n * share))::integer AS n_out
          FROM chosen AS c
          JOIN pgrec.events AS e ON e.user_id = c.user_id AND e.occurred_at <= v_now
          JOIN pgrec.event_types AS t ON t.type = e.type) AS p;

    DELETE FROM pgrec.events AS e
    USING pg_temp.replay_events AS r
    WHERE e.id = r.id AND r.part <> 'kept';

    RETURN QUERY
    WITH kept AS (
        SELECT DISTINCT r.user_id, r.item_id FROM pg_temp.replay_events AS r WHERE r.part = 'kept'
    )
    SELECT u.external_id, bool_or(r.cold),
           (count(*) FILTER (WHERE r.part = 'kept'))::integer,
           coalesce(array_agg(DISTINCT i.external_id ORDER BY i.external_id)
                        FILTER (WHERE r.part = 'held' AND r.polarity >= 0 AND k.item_id IS NULL), '{}')
    FROM pg_temp.replay_events AS r
    JOIN pgrec.users AS u ON u.id = r.user_id
    JOIN pgrec.items AS i ON i.id = r.item_id
    LEFT JOIN kept AS k ON k.user_id = r.user_id AND k.item_id = r.item_id
    GROUP BY u.external_id
    ORDER BY u.external_id;
END;
$$;
COMMENT ON FUNCTION rec.replay_split(integer, integer, double precision, integer, integer) IS
'Replays (pgrec tune): in the caller''s transaction, hold out sampled users'' latest events (newcomers keep only their first few) and return what each went on to interact with; the transaction can only roll back.';
