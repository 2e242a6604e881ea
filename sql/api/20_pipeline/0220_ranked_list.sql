-- The pipeline every list runs after its context: candidates (rec._candidates) -> eligibility,
-- signals, weights and rules (rec._score) -> diversity -> the page -> reasons (rec._reasons).
--
-- Ranking: score, then engagement (popular first among equals: bulk imports share a
-- created_at), then the item id. A list without fallback lists only items some weighted signal
-- supports (score > 0).
-- Diversity (rec._diversify): each item loses diversity_penalty per higher-scored item of its
-- category, and no block of category_window positions takes more than max_per_category items
-- of one category; an item moved down also has its score lowered to the one above it (the
-- "diversity" term), so scores never increase down the list.
-- Positions depend only on the call's context, never on n or offset, so pages (n, offset) are
-- consistent: they never overlap and concatenate to the longer list. The candidate pool is
-- bounded, so pages past its end are short.
CREATE FUNCTION rec._ranked_list(c rec.list_context)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rows rec.scored_item[];
    v_page rec.scored_item[];
    v_div  double precision[];
    v_score double precision[];
    -- Rows served for an experiment say so, for the caller to log with rec.log_impressions.
    v_experiment jsonb := CASE WHEN c.experiment IS NOT NULL
                               THEN jsonb_build_object('experiment', c.experiment, 'variant', c.variant)
                               ELSE '{}' END;
BEGIN
    IF c.weights = '{}' THEN
        RETURN;  -- no signal has data for this call: nothing to rank by
    END IF;
    SELECT coalesce(array_agg(s ORDER BY s.score DESC, (s.signals).engagement DESC, s.external_id), '{}') INTO v_rows
    FROM rec._score(c, ARRAY(SELECT rec._candidates(c))) AS s
    WHERE s.excluded IS NULL
      AND (c.fallback OR s.score > 0);

    -- Positions 1 .. offset + n after diversity; the page is the last n of them.
    SELECT coalesce(array_agg(v_rows[d.idx] ORDER BY d.n), '{}'),
           coalesce(array_agg(d.score - v_rows[d.idx].score ORDER BY d.n), '{}'),
           coalesce(array_agg(d.score ORDER BY d.n), '{}')
    INTO v_page, v_div, v_score
    FROM rec._diversify(ARRAY(SELECT r.score FROM unnest(v_rows) AS r),
                        ARRAY(SELECT (r.signals).engagement FROM unnest(v_rows) AS r),
                        ARRAY(SELECT r.external_id FROM unnest(v_rows) AS r),
                        ARRAY(SELECT coalesce(r.category, 0) FROM unnest(v_rows) AS r),
                        c.diversity_penalty, c.max_per_category, c.category_window,
                        c."offset" + c.n) WITH ORDINALITY AS d(idx, score, adjusted, forced, n)
    WHERE d.n > c."offset";

    -- The page's reasons, built in one query.
    RETURN QUERY
        SELECT (v_page[r.ord]).external_id, v_score[r.ord], r.reasons || v_experiment
        FROM rec._reasons(c, v_page, v_div) AS r
        ORDER BY r.ord;
END;
$$;
COMMENT ON FUNCTION rec._ranked_list(rec.list_context) IS
'Internal: rank a list call: candidates, scores, diversity, the page (c.n, c.offset) and its reasons.';
