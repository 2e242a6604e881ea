-- Diversity, deterministically, for scored rows given as parallel arrays (index = row): each
-- row loses p_penalty per higher-scored row of its category (0 = none), the rows are ordered
-- by that adjusted score (then engagement, then key), and walking down that order no block of
-- p_window positions (0-9, 10-19, ...) takes more than p_max rows of one category: the extra
-- ones wait for the next block, unless nothing else is left. A row moved down this way also
-- has its score lowered to the one above it, so scores never increase down the list.
-- Returns the first p_want positions: the row's index, its final score, its adjusted score
-- (after the penalty, before the cap's lowering) and whether the cap had to give way (forced).
-- The one definition both the full pipeline (rec._ranked_list) and the precomputed feeds
-- (rec._pooled_feed) use.
CREATE FUNCTION rec._diversify(p_scores double precision[], p_engagement double precision[], p_keys text[],
                               p_categories integer[], p_penalty double precision, p_max integer, p_window integer,
                               p_want integer)
RETURNS TABLE (idx integer, score double precision, adjusted double precision, forced boolean)
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_idx   integer[];
    v_adj   double precision[];
    v_cats  integer[];
    v_taken boolean[];
    v_block integer[] := '{}';
    v_first integer := 1;
    v_pick  integer;
    v_j     integer;
    v_cat   integer;
    v_last  double precision;
    v_total integer;
    v_done  integer := 0;
BEGIN
    SELECT coalesce(array_agg(x.i ORDER BY x.adjusted DESC, x.e DESC, x.k), '{}'),
           coalesce(array_agg(x.adjusted ORDER BY x.adjusted DESC, x.e DESC, x.k), '{}'),
           -- A fixed-width array without NULLs is indexed in constant time by the loop below.
           coalesce(array_agg(x.c ORDER BY x.adjusted DESC, x.e DESC, x.k), '{}')
    INTO v_idx, v_adj, v_cats
    FROM (SELECT u.i::integer AS i, u.e, u.k, coalesce(u.c, 0) AS c,
                 u.s - CASE WHEN coalesce(u.c, 0) = 0 OR p_penalty = 0 THEN 0
                            ELSE p_penalty * (row_number() OVER (PARTITION BY coalesce(u.c, 0)
                                                                 ORDER BY u.s DESC, u.e DESC, u.k) - 1) END AS adjusted
          FROM unnest(p_scores, p_engagement, p_keys, p_categories) WITH ORDINALITY AS u(s, e, k, c, i)) AS x;

    v_total := cardinality(v_idx);
    p_want := least(p_want, v_total);
    v_taken := array_fill(false, ARRAY[greatest(v_total, 1)]);
    WHILE v_done < p_want LOOP
        IF v_done % p_window = 0 THEN
            v_block := '{}';
        END IF;
        WHILE v_taken[v_first] LOOP
            v_first := v_first + 1;
        END LOOP;
        v_pick := NULL;
        FOR v_j IN v_first .. v_total LOOP
            CONTINUE WHEN v_taken[v_j];
            v_cat := v_cats[v_j];
            IF v_cat = 0 OR cardinality(array_positions(v_block, v_cat)) < p_max THEN
                v_pick := v_j;
                EXIT;
            END IF;
        END LOOP;
        -- Every remaining row is of a full category: the cap cannot hold, take the best.
        forced := v_pick IS NULL;
        v_pick := coalesce(v_pick, v_first);
        v_taken[v_pick] := true;
        v_block := v_block || v_cats[v_pick];
        adjusted := v_adj[v_pick];
        score := CASE WHEN v_done > 0 AND v_adj[v_pick] > v_last THEN v_last ELSE v_adj[v_pick] END;
        v_last := score;
        idx := v_idx[v_pick];
        v_done := v_done + 1;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION rec._diversify(double precision[], double precision[], text[], integer[], double precision, integer, integer, integer) IS
'Internal: the first p_want positions of scored rows after the diversity penalty and the per-block category cap (row index, final and adjusted score, whether the cap gave way).';
