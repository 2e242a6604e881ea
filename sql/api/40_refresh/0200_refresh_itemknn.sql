-- The SQL item-item model (RP3beta, Paudel et al.) for some items, over all history. With
-- r(u, i) the interaction strengths (pgrec.itemknn_interactions: rec._interactions with the
-- model's parameters — type strengths, half-life, per-user cap), d(i) = sum over users of
-- r(u, i) and e(u) = sum over items of r(u, i), the weight of j for i is a two-step random walk
-- i -> u -> j with j's popularity discounted:
--     w(i, j) = sum over u of  r(u, i) / d(i)  x  r(u, j) / e(u),   divided by d(j)^beta
-- so a blockbuster everyone also watched does not become everyone's neighbour. Pairs need
-- min_support users in common (one shared user is coincidence). The `neighbors` best per item
-- replace the items' rows under source 'itemknn', and pgrec.itemknn_rows records the degree
-- each row was computed with. Degrees come from pg_temp.itemknn_degrees and energies from
-- pg_temp.itemknn_energies, which the caller fills (every item; at least the users of these
-- items). One definition for the full rebuild (all items, in chunks) and the incremental run.
CREATE FUNCTION rec._itemknn_rows(p_items bigint[], p_beta double precision, p_min integer, p_k integer)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_rows  bigint;
    -- Rows only between items that exist (pgrec.item_neighbors has no foreign keys): an item
    -- deleted since its users' strengths were stored gets none, and is no one's neighbour.
    v_items constant bigint[] := ARRAY(SELECT i.id FROM pgrec.items AS i WHERE i.id = ANY (p_items));
BEGIN
    DELETE FROM pgrec.item_neighbors AS n WHERE n.source = 'itemknn' AND n.item_id = ANY (p_items);
    WITH walks_from AS (
        SELECT x.user_id, x.item_id, x.strength / d.degree AS from_item
        FROM pgrec.itemknn_interactions AS x
        JOIN pg_temp.itemknn_degrees AS d ON d.item_id = x.item_id
        WHERE x.item_id = ANY (v_items)
    ),
    walks_to AS (
        SELECT y.user_id, y.item_id, y.strength / en.energy AS to_item
        FROM pgrec.itemknn_interactions AS y
        JOIN pg_temp.itemknn_energies AS en ON en.user_id = y.user_id
        WHERE y.user_id IN (SELECT f.user_id FROM walks_from AS f)
    ),
    pairs AS (
        SELECT a.item_id, b.item_id AS neighbor_id, sum(a.from_item * b.to_item) AS weight
        FROM walks_from AS a
        JOIN walks_to AS b ON b.user_id = a.user_id AND b.item_id <> a.item_id
        GROUP BY a.item_id, b.item_id
        HAVING count(*) >= p_min
    ),
    ranked AS (
        SELECT p.item_id, p.neighbor_id, p.weight / power(d.degree, p_beta) AS score,
               row_number() OVER (PARTITION BY p.item_id ORDER BY p.weight / power(d.degree, p_beta) DESC,
                                                                  p.neighbor_id) AS rank
        FROM pairs AS p
        JOIN pg_temp.itemknn_degrees AS d ON d.item_id = p.neighbor_id
    )
    INSERT INTO pgrec.item_neighbors (item_id, source, neighbor_id, score)
    SELECT r.item_id, 'itemknn', r.neighbor_id, r.score
    FROM ranked AS r
    WHERE r.rank <= p_k AND r.score > 0 AND EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = r.neighbor_id)
    ORDER BY r.item_id, r.neighbor_id;
    GET DIAGNOSTICS v_rows = ROW_COUNT;

    DELETE FROM pgrec.itemknn_rows AS k WHERE k.item_id = ANY (p_items);
    INSERT INTO pgrec.itemknn_rows (item_id, degree, computed_at)
    SELECT d.item_id, d.degree, rec.now()
    FROM pg_temp.itemknn_degrees AS d
    WHERE d.item_id = ANY (p_items) AND EXISTS (SELECT FROM pgrec.items AS i WHERE i.id = d.item_id)
    ORDER BY d.item_id;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec._itemknn_rows(bigint[], double precision, integer, integer) IS
'Internal: recompute the itemknn neighbour rows (RP3beta) of some items from pgrec.itemknn_interactions. Returns rows written.';

-- Refresh step "itemknn": the SQL item-item model (rec._itemknn_rows), over all history (no
-- window: old co-occurrences still count, decayed).
--
-- A full rebuild recomputes every user's strengths and every item's row. It works through the
-- items in chunks of about 6 million walks (user-item-item triples), so each chunk's pair
-- counts are one in-memory hash aggregate instead of one aggregate over all pairs spilling
-- gigabytes to disk.
--
-- Incremental, approximate (and full when most users changed, which costs the same and is
-- exact): recomputing the rows of every item a new event touches costs most
-- of a full rebuild (a new event of a user changes the decay of all their items, and popular
-- items are in nearly every history: at 1M events, the items of 10,000 new events carry 60 %
-- of all walks). So a run
--   * recomputes the strengths of the users with new, deleted or updated events (exact: a
--     user's strengths depend only on their own events), and moves the kept sums
--     (pgrec.itemknn_users, pgrec.itemknn_items) by their difference — exact, so no run sums
--     every stored strength again;
--   * recomputes, exactly as a full rebuild would now, the rows of items whose events were
--     deleted (a forgotten user's items: the user's co-occurrences stop counting at once), of
--     items without a row yet (new items reaching min_support users), and then of the items
--     whose degree moved most since their row was computed (relative change at least
--     incremental_min_change, default 1 %), biggest change first, until about
--     incremental_walks walks (default 2 million; an item costs its users' item counts) have been spent;
--   * leaves every other row as it was last computed.
-- So each row is either exactly a full rebuild's now or its own earlier computation, and the
-- run log says how many rows were left stale; full_every (daily) bounds how stale they get.
-- Decay "now" moves every user's strengths with the clock, so with it every run is full.
CREATE FUNCTION rec._refresh_itemknn(p_full boolean) RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_start   constant timestamptz := clock_timestamp();
    v_model   pgrec.models;
    v_run     rec.refresh_run;
    v_beta    double precision;
    v_min     integer;
    v_k       integer;
    v_budget  double precision;
    v_change  double precision;
    v_last    bigint;
    v_users   bigint[];
    v_must    bigint[];
    v_moved   bigint[];
    v_todo    bigint[];
    v_chunk   bigint[];
    v_stale   bigint;
    v_rows    bigint := 0;
    v_detail  text;
    v_events  bigint;
    v_fitted_users bigint;
    v_items   bigint;
    v_pairs   bigint;
    v_secs    double precision;
BEGIN
    -- Reads the events' shards, then writes reference tables (item_neighbors, models).
    PERFORM rec._citus_sequential();
    SELECT * INTO v_model FROM pgrec.models AS m WHERE m.name = 'itemknn';
    v_beta := coalesce((v_model.parameters ->> 'beta')::double precision, 0.5);
    v_min := coalesce((v_model.parameters ->> 'min_support')::integer, 2);
    v_k := coalesce((v_model.parameters ->> 'neighbors')::integer, 50);
    v_budget := coalesce((v_model.parameters ->> 'incremental_walks')::double precision, 2e6);
    v_change := coalesce((v_model.parameters ->> 'incremental_min_change')::double precision, 0.01);
    v_run := rec._refresh_begin('itemknn', p_full,
        md5(rec._event_types_digest() || (v_model.parameters - 'incremental_walks' - 'incremental_min_change')::text));
    IF v_run.incremental AND v_model.parameters ->> 'decay' = 'now' THEN
        v_run := rec._refresh_in_full(v_run, 'decay "now" moves every strength with the clock');
    END IF;

    IF v_run.incremental THEN
        EXECUTE 'SELECT array_agg(u.user_id ORDER BY u.user_id) FROM rec._changed_users($1, -1) AS u'
        INTO v_users USING v_run;
        v_users := coalesce(v_users, '{}');
        -- When most users changed (a small installation, or a backlog), recomputing them and
        -- their rows costs what a full rebuild does, which is exact.
        -- (The users the last run fitted, from its model row: counting them again would read
        -- every stored strength.)
        IF cardinality(v_users) > greatest(100, (SELECT count(*) FROM pgrec.itemknn_rows) / 2,
                                           coalesce(v_model.users, 0) / 2) THEN
            v_run := rec._refresh_in_full(v_run, cardinality(v_users) || ' users changed, most of them');
        END IF;
    END IF;
    -- The newest event the fit reads (pgrec.models.last_event_id): an incremental run's is its
    -- last run's or a newer one among the events it adds (max over every event reads them all:
    -- 2.3 s at 20M events).
    IF v_run.incremental THEN
        SELECT greatest(coalesce(v_model.last_event_id, 0), coalesce(max(e.id), 0)) INTO v_last
        FROM rec._new_events(v_run) AS e;
    ELSE
        SELECT coalesce(max(e.id), 0) INTO v_last FROM pgrec.events AS e;
    END IF;
    IF NOT v_run.incremental THEN
        DELETE FROM pgrec.itemknn_interactions;
        INSERT INTO pgrec.itemknn_interactions (user_id, item_id, strength)
        SELECT r.user_id, r.item_id, r.strength FROM rec._interactions(v_model.parameters, v_run.as_of) AS r;
        DELETE FROM pgrec.item_neighbors AS n WHERE n.source = 'itemknn';
        DELETE FROM pgrec.itemknn_rows;
        -- TRUNCATE, not DELETE: only this step reads the sums (under its step lock), and a
        -- rebuild's DELETE of every row writes each one to the WAL and leaves it for vacuum.
        TRUNCATE pgrec.itemknn_users, pgrec.itemknn_items;
        INSERT INTO pgrec.itemknn_users (user_id, items, energy)
        SELECT x.user_id, count(*), sum(x.strength) FROM pgrec.itemknn_interactions AS x GROUP BY x.user_id ORDER BY 1;
        INSERT INTO pgrec.itemknn_items (item_id, degree, users, walks)
        SELECT x.item_id, sum(x.strength::numeric), count(*), sum(u.items)
        FROM pgrec.itemknn_interactions AS x
        JOIN pgrec.itemknn_users AS u ON u.user_id = x.user_id
        GROUP BY x.item_id
        ORDER BY 1;
    ELSE
        v_must := ARRAY(SELECT DISTINCT c.item_id FROM rec._changes_since(v_run, 'events') AS c ORDER BY 1);
        -- Their strengths now against those stored, and only the difference written: a changed
        -- strength is updated in place (the row and its key stay; deleting and inserting every
        -- row of a changed user, each checked against pgrec.users again, cost most of the run).
        -- Only these users' events are read (rec._interactions filters its events scan); both
        -- sides are compared in temporary tables (on Citus the stored rows come from the shards).
        DROP TABLE IF EXISTS pg_temp.itemknn_now, pg_temp.itemknn_stored, pg_temp.itemknn_diff;
        CREATE TEMPORARY TABLE pg_temp.itemknn_now ON COMMIT DROP AS
        SELECT r.user_id, r.item_id, r.strength FROM rec._interactions(v_model.parameters, v_run.as_of, v_users) AS r;
        CREATE TEMPORARY TABLE pg_temp.itemknn_stored ON COMMIT DROP AS
        SELECT x.user_id, x.item_id, x.strength FROM pgrec.itemknn_interactions AS x WHERE x.user_id = ANY (v_users);
        ANALYZE pg_temp.itemknn_now, pg_temp.itemknn_stored;
        CREATE TEMPORARY TABLE pg_temp.itemknn_diff ON COMMIT DROP AS
        SELECT coalesce(n.user_id, o.user_id) AS user_id, coalesce(n.item_id, o.item_id) AS item_id, n.strength,
               CASE WHEN n.user_id IS NULL THEN 'gone' WHEN o.user_id IS NULL THEN 'new' ELSE 'changed' END AS change
        FROM pg_temp.itemknn_now AS n
        FULL JOIN pg_temp.itemknn_stored AS o ON o.user_id = n.user_id AND o.item_id = n.item_id
        WHERE n.user_id IS NULL OR o.user_id IS NULL OR n.strength <> o.strength;
        DELETE FROM pgrec.itemknn_interactions AS x
        WHERE x.user_id = ANY (v_users)
          AND (x.user_id, x.item_id) IN (SELECT d.user_id, d.item_id FROM pg_temp.itemknn_diff AS d WHERE d.change = 'gone');
        UPDATE pgrec.itemknn_interactions AS x SET strength = d.strength
        FROM pg_temp.itemknn_diff AS d
        WHERE d.change = 'changed' AND x.user_id = d.user_id AND x.item_id = d.item_id AND x.user_id = ANY (v_users);
        INSERT INTO pgrec.itemknn_interactions (user_id, item_id, strength)
        SELECT d.user_id, d.item_id, d.strength FROM pg_temp.itemknn_diff AS d WHERE d.change = 'new'
        ORDER BY 1, 2;

        -- The kept sums move by what these users changed: their own totals are recomputed, and
        -- each item's sums move by their rows now less their rows before — its degree by their
        -- strengths (numeric: what did not change cancels exactly), its users by their count,
        -- its walks by their item counts (now for a row they have, before for a row they had).
        DROP TABLE IF EXISTS pg_temp.itemknn_users_now, pg_temp.itemknn_users_stored, pg_temp.itemknn_items_moved,
                             pg_temp.itemknn_items_stored, pg_temp.itemknn_items_now;
        CREATE TEMPORARY TABLE pg_temp.itemknn_users_now ON COMMIT DROP AS
        SELECT n.user_id, count(*) AS items, sum(n.strength) AS energy FROM pg_temp.itemknn_now AS n GROUP BY n.user_id;
        CREATE TEMPORARY TABLE pg_temp.itemknn_users_stored ON COMMIT DROP AS
        SELECT u.user_id, u.items FROM pgrec.itemknn_users AS u WHERE u.user_id = ANY (v_users);
        ANALYZE pg_temp.itemknn_users_now, pg_temp.itemknn_users_stored;
        CREATE TEMPORARY TABLE pg_temp.itemknn_items_moved ON COMMIT DROP AS
        SELECT m.item_id, sum(m.degree) AS degree, sum(m.users) AS users, sum(m.walks) AS walks
        FROM (SELECT n.item_id, n.strength::numeric AS degree, 1 AS users, un.items AS walks
              FROM pg_temp.itemknn_now AS n JOIN pg_temp.itemknn_users_now AS un ON un.user_id = n.user_id
              UNION ALL
              SELECT o.item_id, -o.strength::numeric, -1, -uo.items
              FROM pg_temp.itemknn_stored AS o JOIN pg_temp.itemknn_users_stored AS uo ON uo.user_id = o.user_id) AS m
        GROUP BY m.item_id
        HAVING sum(m.degree) <> 0 OR sum(m.users) <> 0 OR sum(m.walks) <> 0;
        DELETE FROM pgrec.itemknn_users AS u WHERE u.user_id = ANY (v_users);
        INSERT INTO pgrec.itemknn_users (user_id, items, energy)
        SELECT n.user_id, n.items, n.energy FROM pg_temp.itemknn_users_now AS n ORDER BY 1;
        -- The items of deleted events are summed again from their strengths: a forgotten user's
        -- strengths went with the user (the foreign key), so what they took away is in no difference.
        v_moved := ARRAY(SELECT m.item_id FROM pg_temp.itemknn_items_moved AS m UNION SELECT unnest(v_must) ORDER BY 1);
        CREATE TEMPORARY TABLE pg_temp.itemknn_items_stored ON COMMIT DROP AS
        SELECT k.item_id, k.degree, k.users, k.walks FROM pgrec.itemknn_items AS k WHERE k.item_id = ANY (v_moved);
        CREATE TEMPORARY TABLE pg_temp.itemknn_items_now ON COMMIT DROP AS
        SELECT x.item_id, sum(x.strength::numeric) AS degree, count(*) AS users, sum(u.items) AS walks
        FROM pgrec.itemknn_interactions AS x
        JOIN pgrec.itemknn_users AS u ON u.user_id = x.user_id
        WHERE x.item_id = ANY (v_must)
        GROUP BY x.item_id;
        INSERT INTO pg_temp.itemknn_items_now (item_id, degree, users, walks)
        SELECT m.item_id, coalesce(k.degree, 0) + m.degree, coalesce(k.users, 0) + m.users, coalesce(k.walks, 0) + m.walks
        FROM pg_temp.itemknn_items_moved AS m
        LEFT JOIN pg_temp.itemknn_items_stored AS k ON k.item_id = m.item_id
        WHERE m.item_id <> ALL (v_must);
        DELETE FROM pgrec.itemknn_items AS k WHERE k.item_id = ANY (v_moved);
        INSERT INTO pgrec.itemknn_items (item_id, degree, users, walks)
        SELECT n.item_id, n.degree, n.users, n.walks FROM pg_temp.itemknn_items_now AS n WHERE n.users > 0 ORDER BY 1;
    END IF;

    -- Every item's degree, users and walks, for rec._itemknn_rows and the choice of rows below.
    DROP TABLE IF EXISTS pg_temp.itemknn_degrees, pg_temp.itemknn_energies;
    CREATE TEMPORARY TABLE pg_temp.itemknn_degrees ON COMMIT DROP AS
    SELECT k.item_id, k.degree::double precision AS degree, k.users, k.walks FROM pgrec.itemknn_items AS k;
    ALTER TABLE pg_temp.itemknn_degrees ADD PRIMARY KEY (item_id);
    ANALYZE pg_temp.itemknn_degrees;

    IF NOT v_run.incremental THEN
        CREATE TEMPORARY TABLE pg_temp.itemknn_energies ON COMMIT DROP AS
        SELECT u.user_id, u.energy, u.items FROM pgrec.itemknn_users AS u;
        ALTER TABLE pg_temp.itemknn_energies ADD PRIMARY KEY (user_id);
        ANALYZE pg_temp.itemknn_energies;
        -- Chunks of about 6 million walks.
        FOR v_chunk IN
            SELECT array_agg(c.item_id ORDER BY c.item_id)
            FROM (SELECT d.item_id, floor(sum(d.walks) OVER (ORDER BY d.item_id) / 6e6) AS chunk
                  FROM pg_temp.itemknn_degrees AS d
                  WHERE d.users >= v_min) AS c
            GROUP BY c.chunk
            ORDER BY c.chunk
        LOOP
            v_rows := v_rows + rec._itemknn_rows(v_chunk, v_beta, v_min, v_k);
        END LOOP;
        v_detail := (SELECT count(*) FROM pgrec.itemknn_rows) || ' rows';
    ELSE
        -- Rows to recompute: the deleted events' items whatever they cost, then items without a
        -- row, then the most changed degrees, within the walk budget.
        v_todo := ARRAY(
            SELECT c.item_id
            FROM (SELECT c.item_id, c.priority,
                         sum(c.walks) OVER (ORDER BY c.priority DESC, c.item_id) AS spent
                  FROM (SELECT coalesce(d.item_id, k.item_id) AS item_id, coalesce(d.walks, 0) AS walks,
                               CASE WHEN coalesce(d.item_id, k.item_id) = ANY (v_must) THEN 'Infinity'::float8
                                    WHEN k.item_id IS NULL THEN 1e300
                                    WHEN d.item_id IS NULL THEN 1e300   -- lost every user: the row goes
                                    ELSE abs(d.degree - k.degree) / k.degree END AS priority
                        FROM pg_temp.itemknn_degrees AS d
                        FULL JOIN pgrec.itemknn_rows AS k ON k.item_id = d.item_id
                        WHERE coalesce(d.users, v_min) >= v_min OR k.item_id IS NOT NULL) AS c
                  WHERE c.priority >= v_change) AS c
            WHERE c.priority = 'Infinity' OR c.spent <= v_budget
            ORDER BY c.item_id);
        v_todo := v_todo || ARRAY(SELECT m FROM unnest(v_must) AS m WHERE m <> ALL (v_todo));
        SELECT count(*) INTO v_stale
        FROM pg_temp.itemknn_degrees AS d JOIN pgrec.itemknn_rows AS k ON k.item_id = d.item_id
        -- Changed: beyond the rounding of a sum taken in another order (on Citus the shards'
        -- partial sums arrive in any order).
        WHERE abs(d.degree - k.degree) > 1e-9 * abs(k.degree) AND d.item_id <> ALL (v_todo);
        CREATE TEMPORARY TABLE pg_temp.itemknn_energies ON COMMIT DROP AS
        SELECT u.user_id, u.energy, u.items
        FROM pgrec.itemknn_users AS u
        WHERE u.user_id IN (SELECT y.user_id FROM pgrec.itemknn_interactions AS y WHERE y.item_id = ANY (v_todo));
        ALTER TABLE pg_temp.itemknn_energies ADD PRIMARY KEY (user_id);
        ANALYZE pg_temp.itemknn_energies;
        v_rows := rec._itemknn_rows(v_todo, v_beta, v_min, v_k);
        v_detail := cardinality(v_users) || ' users recomputed, ' || cardinality(v_todo) || ' rows recomputed ('
                    || cardinality(v_must) || ' with deleted events), ' || v_stale || ' rows with a changed degree left as they were';
    END IF;

    -- Counted first and written as values: Citus runs no subquery or volatile function
    -- (clock_timestamp) inside an UPDATE of a replicated table.
    SELECT coalesce(sum(u.items), 0), count(*) INTO v_events, v_fitted_users FROM pgrec.itemknn_users AS u;
    SELECT count(DISTINCT n.item_id), count(*) INTO v_items, v_pairs FROM pgrec.item_neighbors AS n WHERE n.source = 'itemknn';
    v_secs := extract(epoch FROM clock_timestamp() - v_start);
    UPDATE pgrec.models AS m
    SET fitted_at = now(), as_of = v_run.as_of, seconds = v_secs,
        training_events = v_events, users = v_fitted_users, items_covered = v_items,
        metrics = jsonb_build_object('pairs', v_pairs, 'mode', CASE WHEN v_run.incremental THEN 'incremental' ELSE 'full' END),
        last_event_id = v_last
    WHERE m.name = 'itemknn';
    RETURN rec._refresh_save(v_run, v_detail, v_rows);
END;
$$;
COMMENT ON FUNCTION rec._refresh_itemknn(boolean) IS
'Refresh step itemknn: the SQL item-item model (RP3beta random walks over typed, decayed interactions), top neighbours per item under source itemknn; incremental runs recompute the changed users'' strengths and the rows that changed most. Returns rows written.';
