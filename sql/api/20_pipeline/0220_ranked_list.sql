-- The pipeline every list runs after its context: candidates (rec._candidates) -> eligibility,
-- signals, weights and rules (rec._score) -> diversity -> the page -> reasons (rec._reasons).
--
-- Ranking: score, then engagement (popular first among equals: bulk imports share a
-- created_at), then the item id. A list without fallback lists only items some weighted signal
-- supports (score > 0).
-- Diversity, deterministically: each item loses diversity_penalty per higher-scored item of
-- its category; then, walking down that order, no block of category_window positions (0-9,
-- 10-19, ...) takes more than max_per_category items of one category: the extra ones wait for
-- the next block. An item moved down this way also has its score lowered to the one above it
-- (the "diversity" term), so scores never increase down the list.
-- Positions depend only on the call's context, never on n or offset, so pages (n, offset) are
-- consistent: they never overlap and concatenate to the longer list. The candidate pool is
-- bounded, so pages past its end are short.
CREATE FUNCTION rec._ranked_list(c rec.list_context)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows    rec.scored_item[];
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
    v_page    rec.scored_item[] := '{}';
    v_page_div double precision[] := '{}';
    v_page_score double precision[] := '{}';
BEGIN
    IF c.weights = '{}' THEN
        RETURN;  -- no signal has data for this call: nothing to rank by
    END IF;
    -- Categories as a separate int array (0 = none): the loop below reads them often, and a
    -- fixed-width array without NULLs is indexed in constant time.
    SELECT coalesce(array_agg(x.s ORDER BY x.adjusted DESC, ((x.s).signals).engagement DESC, (x.s).external_id), '{}'),
           coalesce(array_agg(x.adjusted ORDER BY x.adjusted DESC, ((x.s).signals).engagement DESC, (x.s).external_id), '{}'),
           coalesce(array_agg(coalesce((x.s).category, 0) ORDER BY x.adjusted DESC, ((x.s).signals).engagement DESC, (x.s).external_id), '{}')
    INTO v_rows, v_adj, v_cats
    FROM (SELECT s,
                 s.score - CASE WHEN s.category IS NULL OR c.diversity_penalty = 0 THEN 0
                                ELSE c.diversity_penalty
                                     * (row_number() OVER (PARTITION BY s.category
                                                           ORDER BY s.score DESC, (s.signals).engagement DESC, s.external_id) - 1)
                           END AS adjusted
          FROM rec._score(c, ARRAY(SELECT rec._candidates(c))) AS s
          WHERE s.excluded IS NULL
            AND (c.fallback OR s.score > 0)) AS x;

    -- Fill positions 0 .. offset + n - 1, capping each category per block of positions.
    v_total := cardinality(v_rows);
    v_want := least(c."offset" + c.n, v_total);
    v_taken := array_fill(false, ARRAY[greatest(v_total, 1)]);
    WHILE cardinality(v_order) < v_want LOOP
        IF cardinality(v_order) % c.category_window = 0 THEN
            v_block := '{}';
        END IF;
        WHILE v_taken[v_first] LOOP
            v_first := v_first + 1;
        END LOOP;
        v_pick := NULL;
        FOR v_j IN v_first .. v_total LOOP
            CONTINUE WHEN v_taken[v_j];
            v_cat := v_cats[v_j];
            IF v_cat = 0 OR cardinality(array_positions(v_block, v_cat)) < c.max_per_category THEN
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
    FOR v_j IN c."offset" + 1 .. cardinality(v_order) LOOP
        v_page := v_page || v_rows[v_order[v_j]];
        v_page_score := v_page_score || v_final[v_j];
        v_page_div := v_page_div || (v_final[v_j] - v_rows[v_order[v_j]].score);
    END LOOP;
    RETURN QUERY
        SELECT (v_page[r.ord]).external_id, v_page_score[r.ord], r.reasons
        FROM rec._reasons(c, v_page, v_page_div) AS r
        ORDER BY r.ord;
END;
$$;
COMMENT ON FUNCTION rec._ranked_list(rec.list_context) IS
'Internal: rank a list call: candidates, scores, diversity, the page (c.n, c.offset) and its reasons.';
