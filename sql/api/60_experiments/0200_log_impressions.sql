-- Record what a user was shown: the items of one served page, in order, under the request that
-- served them. The experiment report counts these rows and the events that followed them, so
-- an application running an experiment logs every page it shows (the HTTP API's feed endpoint
-- does it by itself):
--   SELECT rec.log_impressions('req-7f3a', 'u42', ARRAY['i1', 'i2', 'i3'], 'blend_test');
--
--   request_id  the caller's id of the request (1..200 characters); a retried call with the same
--               request id adds nothing for the items already logged under it
--   items       the page's item ids, at most 500 (a page's largest n); items[k] gets position k
--   experiment, variant
--               what served the page, as the rows' reasons say ("experiment", "variant"); with
--               only the experiment, the variant is the user's assignment now
--   strategy    the strategy that ranked the page; 'experiment:NAME' stands for the experiment
--               (its variant's strategy is recorded); left out with an experiment, the variant's
--
-- The batch is validated whole and nothing is stored when any part is wrong: a missing value is
-- 22004, a malformed or repeated one 22023, an unknown item or experiment P0002, each naming
-- the element (items[3]). Unknown users are created, as rec.track creates them, so that a
-- visitor's first page counts in an experiment like anyone's; users erased with
-- rec.forget_user are refused (22023), as rec.track refuses them. The user's last_served_at
-- moves to the page's time (hourly), which makes them active for the precomputed feeds
-- (refresh step feed_pools) whether or not they act. Returns the rows written.
CREATE FUNCTION rec.log_impressions(request_id text, user_id text, items text[], experiment text DEFAULT NULL,
                                    variant text DEFAULT NULL, strategy text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
-- Parameters are always written log_impressions.<name>; bare names are the tables' columns.
#variable_conflict use_column
DECLARE
    -- A page is at most 500 items (rec._check_page); anything longer is not one page.
    v_max        constant integer := 500;
    v_now        constant timestamptz := rec.now();
    v_experiment text := log_impressions.experiment;
    v_variant    text := log_impressions.variant;
    v_strategy   text := log_impressions.strategy;
    v_user       bigint;
    v_bad        record;
    v_rows       integer;
BEGIN
    PERFORM rec._check_id('request_id', log_impressions.request_id);
    PERFORM rec._check_id('user_id', log_impressions.user_id);
    IF log_impressions.items IS NULL THEN
        RAISE EXCEPTION 'items must not be null' USING ERRCODE = '22004', HINT = 'Pass the page''s item ids, ARRAY[''i1'', ''i2''].';
    END IF;
    IF array_ndims(log_impressions.items) > 1 OR cardinality(log_impressions.items) > v_max THEN
        RAISE EXCEPTION 'items must be a one-dimensional array of at most % item ids, got %', v_max,
                        cardinality(log_impressions.items)
            USING ERRCODE = '22023', HINT = 'Log each served page with its own call.';
    END IF;

    SELECT t.ord, t.id, c.code, c.problem INTO v_bad
    FROM (SELECT u.id, u.ord, min(u.ord) OVER (PARTITION BY u.id) AS first
          FROM unnest(log_impressions.items) WITH ORDINALITY AS u(id, ord)) AS t
    CROSS JOIN LATERAL (VALUES
        (1, '22004', CASE WHEN t.id IS NULL THEN 'must not be null' END),
        (2, '22023', CASE WHEN btrim(t.id) = '' OR length(t.id) > 200
                          THEN 'must be a non-empty text of at most 200 characters' END),
        (3, '22023', CASE WHEN t.first < t.ord THEN format('repeats items[%s] ("%s"): a page shows an item once', t.first, t.id) END),
        (4, 'P0002', CASE WHEN NOT EXISTS (SELECT FROM pgrec.items AS i WHERE i.external_id = t.id)
                          THEN format('unknown item "%s"', t.id) END)
    ) AS c(n, code, problem)
    WHERE c.problem IS NOT NULL
    ORDER BY c.n = 4, t.ord, c.n   -- malformed input first, then unknown items
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'items[%] %', v_bad.ord, CASE WHEN v_bad.code = 'P0002' THEN ': ' ELSE '' END || v_bad.problem
            USING ERRCODE = v_bad.code,
                  DETAIL = format('element %s of the items array; nothing was logged', v_bad.ord),
                  HINT = CASE WHEN v_bad.code = 'P0002' THEN 'Log only items that rec.feed (or another list) returned.'
                              ELSE 'A page is an array of item ids, each shown once.' END;
    END IF;

    -- What served the page.
    IF v_strategy LIKE 'experiment:%' THEN
        IF v_experiment IS NOT NULL AND v_experiment <> substr(v_strategy, length('experiment:') + 1) THEN
            RAISE EXCEPTION 'strategy "%" names another experiment than experiment "%"', v_strategy, v_experiment
                USING ERRCODE = '22023';
        END IF;
        v_experiment := substr(v_strategy, length('experiment:') + 1);
        v_strategy := NULL;
    END IF;
    IF v_variant IS NOT NULL AND v_experiment IS NULL THEN
        RAISE EXCEPTION 'variant needs its experiment' USING ERRCODE = '22023',
            HINT = 'Pass experiment => NAME as well, as the rows'' reasons give it.';
    END IF;
    IF v_experiment IS NOT NULL THEN
        PERFORM rec._check_experiment(v_experiment);
        IF v_variant IS NULL THEN
            SELECT v.variant INTO v_variant FROM rec._experiment_variant(v_experiment, log_impressions.user_id, v_now) AS v;
        ELSIF NOT EXISTS (SELECT FROM pgrec.experiment_variants AS v WHERE v.experiment = v_experiment AND v.variant = v_variant) THEN
            RAISE EXCEPTION 'variant "%" is not a variant of experiment "%"', left(v_variant, 200), v_experiment
                USING ERRCODE = '22023',
                      HINT = 'Variants: ' || (SELECT string_agg(v.variant, ', ' ORDER BY v.variant COLLATE "C")
                                              FROM pgrec.experiment_variants AS v WHERE v.experiment = v_experiment);
        END IF;
        v_strategy := coalesce(v_strategy, (SELECT v.strategy FROM pgrec.experiment_variants AS v
                                            WHERE v.experiment = v_experiment AND v.variant = v_variant));
    END IF;
    IF v_strategy IS NOT NULL AND NOT EXISTS (SELECT FROM pgrec.strategies AS s WHERE s.name = v_strategy) THEN
        RAISE EXCEPTION 'strategy "%" is not a strategy', left(v_strategy, 200) USING ERRCODE = '22023',
            HINT = 'One of: ' || (SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM pgrec.strategies AS s)
                   || ', or experiment:NAME.';
    END IF;

    -- The user, created when new (as rec.track does), unless erased at their request.
    v_user := rec._user_id(log_impressions.user_id);
    IF v_user IS NULL THEN
        IF EXISTS (SELECT FROM pgrec.forgotten_users AS f WHERE f.id_digest = rec._user_digest(log_impressions.user_id)) THEN
            RAISE EXCEPTION 'user_id "%" was erased at their request and is not re-created', log_impressions.user_id
                USING ERRCODE = '22023', HINT = 'Do not log pages for erased users; an administrator can lift this with rec.unforget_user.';
        END IF;
        INSERT INTO pgrec.users (id, external_id, created_at) OVERRIDING SYSTEM VALUE
        SELECT c.user_id, c.external_id, v_now FROM rec._claim_user_ids(ARRAY[log_impressions.user_id]) AS c;
        v_user := rec._user_id(log_impressions.user_id);
    END IF;
    -- A user shown feeds gets a precomputed pool like one who acts (refresh step feed_pools):
    -- the page's time is kept on the user, at most once an hour, and never by waiting for a
    -- row another transaction holds (a page logged there marks it; the API logs pages in
    -- batches, and waiting on each other's users could deadlock two of them).
    PERFORM FROM pgrec.users AS u
    WHERE u.id = v_user AND (u.last_served_at IS NULL OR u.last_served_at < v_now - interval '1 hour')
    FOR NO KEY UPDATE SKIP LOCKED;
    IF FOUND THEN
        UPDATE pgrec.users AS u SET last_served_at = v_now WHERE u.id = v_user;
    END IF;

    INSERT INTO pgrec.impressions (request_id, experiment, variant, user_id, item_id, position, strategy, served_at)
    SELECT log_impressions.request_id, v_experiment, v_variant, v_user, i.id, t.ord, v_strategy, v_now
    FROM unnest(log_impressions.items) WITH ORDINALITY AS t(id, ord)
    JOIN pgrec.items AS i ON i.external_id = t.id
    ORDER BY t.ord
    ON CONFLICT (user_id, request_id, item_id) DO NOTHING;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RETURN v_rows;
END;
$$;
COMMENT ON FUNCTION rec.log_impressions(text, text, text[], text, text, text) IS
'Record the items of one served page (positions in array order) for a request, user, and optionally the experiment, variant and strategy that served it; validated whole; unknown users are created, erased ones refused; a retried request adds nothing; the user''s last_served_at moves to the page''s time (hourly: active for precomputed feeds). Returns rows written.';
