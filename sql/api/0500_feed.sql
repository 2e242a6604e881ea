-- The personalised "For You" feed.
--
--   SELECT * FROM rec.feed('u42');                                   -- 20 items, strategy default
--   SELECT * FROM rec.feed('u42', 20, 20, 'marketplace');            -- second page, another strategy
--   SELECT * FROM rec.feed('u42', weights => '{"vector": 1, "recency": 0.2}');  -- one-off weights
--
-- 1. rec._feed_context: validate, pick the weights (strategy, cold start, override), read the
--    user's preferences and history (straight from events: real time).
-- 2. rec._feed_candidates: a bounded candidate set from indexes and precomputed lists.
-- 3. rec._feed_scores: each signal's 0..1 value, weighted sum, rule boosts, exclusions.
-- 4. Diversity, deterministically: each item loses diversity_penalty per higher-scored item
--    of its category; then, walking down that order, no block of category_window positions
--    (0-9, 10-19, ...) takes more than max_per_category items of one category: the extra ones
--    wait for the next block. An item moved down this way also has its score lowered to the
--    one above it (the "diversity" term), so scores never increase down the list.
-- Positions depend only on the user, the strategy and the data, never on n or offset, so
-- pages (n, offset) are consistent: they never overlap and concatenate to the longer list.
-- The candidate pool is bounded (candidate_limit per source), so pages past its end are short.
CREATE FUNCTION rec.feed(user_id text, n integer DEFAULT 20, "offset" integer DEFAULT 0,
                         strategy text DEFAULT 'default', weights jsonb DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
#variable_conflict use_column
DECLARE
    v_ctx     rec.feed_context;
    v_rows    rec.feed_score[];
    v_adj     double precision[];
    v_cats    integer[];
    v_taken   boolean[];
    v_block   integer[] := '{}';
    v_order   integer[] := '{}';
    v_final   double precision[] := '{}';
    v_want    integer;
    v_first   integer := 1;
    v_pick    integer;
    v_j       integer;
    v_cat     integer;
    v_score   double precision;
    v_total   integer;
    v_page    rec.feed_score[] := '{}';
    v_page_score double precision[] := '{}';
    v_page_div   double precision[] := '{}';
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, "offset");
    v_ctx := rec._feed_context(user_id, strategy, weights);

    -- Score the candidates and apply the per-category repeat penalty.
    -- Categories as a separate int array (0 = none): the loop below reads them often, and a
    -- fixed-width array without NULLs is indexed in constant time.
    SELECT coalesce(array_agg(x.s ORDER BY x.adjusted DESC, (x.s).external_id), '{}'),
           coalesce(array_agg(x.adjusted ORDER BY x.adjusted DESC, (x.s).external_id), '{}'),
           coalesce(array_agg(coalesce((x.s).category, 0) ORDER BY x.adjusted DESC, (x.s).external_id), '{}')
    INTO v_rows, v_adj, v_cats
    FROM (SELECT s,
                 s.score - CASE WHEN s.category IS NULL THEN 0
                                ELSE v_ctx.diversity_penalty
                                     * (row_number() OVER (PARTITION BY s.category ORDER BY s.score DESC, s.external_id) - 1)
                           END AS adjusted
          FROM rec._feed_scores(v_ctx, ARRAY(SELECT rec._feed_candidates(v_ctx))) AS s
          WHERE s.excluded IS NULL) AS x;

    -- Fill positions 0 .. offset + n - 1, capping each category per block of positions.
    v_total := cardinality(v_rows);
    v_want := least("offset" + n, v_total);
    v_taken := array_fill(false, ARRAY[greatest(v_total, 1)]);
    WHILE cardinality(v_order) < v_want LOOP
        IF cardinality(v_order) % v_ctx.category_window = 0 THEN
            v_block := '{}';
        END IF;
        WHILE v_taken[v_first] LOOP
            v_first := v_first + 1;
        END LOOP;
        v_pick := NULL;
        FOR v_j IN v_first .. v_total LOOP
            CONTINUE WHEN v_taken[v_j];
            v_cat := v_cats[v_j];
            IF v_cat = 0 OR cardinality(array_positions(v_block, v_cat)) < v_ctx.max_per_category THEN
                v_pick := v_j;
                EXIT;
            END IF;
        END LOOP;
        -- Every remaining item is of a full category: the cap cannot hold, take the best.
        v_pick := coalesce(v_pick, v_first);
        v_taken[v_pick] := true;
        v_block := v_block || v_cats[v_pick];
        v_score := v_adj[v_pick];
        IF cardinality(v_final) > 0 AND v_score > v_final[cardinality(v_final)] THEN
            v_score := v_final[cardinality(v_final)];
        END IF;
        v_order := v_order || v_pick;
        v_final := v_final || v_score;
    END LOOP;

    -- The requested page, with its reasons built in one query.
    FOR v_j IN "offset" + 1 .. cardinality(v_order) LOOP
        v_page := v_page || v_rows[v_order[v_j]];
        v_page_score := v_page_score || v_final[v_j];
        v_page_div := v_page_div || (v_final[v_j] - v_rows[v_order[v_j]].score);
    END LOOP;
    RETURN QUERY
        SELECT (v_page[r.ord]).external_id, v_page_score[r.ord], r.reasons
        FROM rec._feed_reasons(v_ctx.weights, v_ctx.price_min IS NOT NULL OR v_ctx.price_max IS NOT NULL,
                               v_page, v_page_div) AS r
        ORDER BY r.ord;
END;
$$;
COMMENT ON FUNCTION rec.feed(text, integer, integer, text, jsonb) IS
'Personalised feed for a user: (item_id, score, reasons) best first. Blends content vector, declared preferences, interest tags, behaviour, collaborative neighbours, engagement, popularity, velocity, trending, recency, location, creator quality and price fit with the weights of a strategy (pgrec.strategies) or a per-call weights override; diversified per category; cold start and opt-out fall back to non-personal signals. reasons = {terms: {signal: weighted value}, reasons: [text]}.';
