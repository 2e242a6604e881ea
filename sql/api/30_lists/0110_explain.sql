-- Why an item scores what it scores for a user, even when it is not in their feed:
--   SELECT jsonb_pretty(rec.explain('u42', 'i1007'));
-- Returns {user_id, item_id, strategy, weights_from, personalized, cold_start, eligible,
-- excluded_because, candidate (whether a candidate source proposes it), rank (its position
-- in the feed's first 500, or null), weights, signals (every signal's 0..1 value, weighted or
-- not), terms, rules (names of matching rules), score, reasons (all of them), details}.
-- Same context and scoring functions as rec.feed, so the numbers agree with the feed's.
CREATE FUNCTION rec.explain(user_id text, item_id text, strategy text DEFAULT NULL)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ctx  rec.list_context;
    v_item bigint;
    v_row  rec.scored_item;
    v_rank bigint;
    v_why  jsonb;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_id('item_id', item_id);
    SELECT i.id INTO v_item FROM pgrec.items AS i WHERE i.external_id = explain.item_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown item "%"', item_id USING ERRCODE = 'P0002',
            HINT = 'Create items with rec.upsert_items first.';
    END IF;
    v_ctx := rec._list_context('feed', strategy, NULL, user_id, 500, 0);
    SELECT * INTO v_row FROM rec._score(v_ctx, ARRAY[v_item]) AS s;
    SELECT f.pos INTO v_rank
    FROM (SELECT f.item_id, row_number() OVER () AS pos FROM rec._ranked_list(v_ctx) AS f) AS f
    WHERE f.item_id = explain.item_id;
    SELECT r.reasons INTO v_why FROM rec._reasons(v_ctx, ARRAY[v_row], ARRAY[0::float8], true) AS r;
    RETURN jsonb_build_object(
        'user_id', user_id,
        'item_id', item_id,
        'strategy', v_ctx.strategy,
        'weights_from', v_ctx.weights_from,
        'personalized', (v_ctx.u).personal AND NOT v_ctx.cold_start,
        'cold_start', v_ctx.cold_start,
        'eligible', v_row.excluded IS NULL,
        'excluded_because', v_row.excluded,
        'candidate', v_item IN (SELECT rec._candidates(v_ctx)),
        'rank', v_rank,
        'weights', v_ctx.weights,
        'signals', to_jsonb(v_row.signals),
        'terms', v_why -> 'terms',
        'rules', to_jsonb(v_row.rule_names),
        'score', v_row.score,
        'reasons', v_why -> 'reasons',
        'details', jsonb_strip_nulls(jsonb_build_object(
            'because_you_liked', (SELECT b.external_id FROM pgrec.items AS b WHERE b.id = v_row.because),
            'matching_preference', (SELECT t.name FROM pgrec.tags AS t WHERE t.id = v_row.pref_tag),
            'matching_interest', (SELECT t.name FROM pgrec.tags AS t WHERE t.id = v_row.interest_tag),
            'category', (SELECT t.name FROM pgrec.tags AS t WHERE t.id = v_row.category),
            'distance_km', v_row.distance_km,
            'age_days', v_row.age_days,
            'creator_items_liked', v_row.creator_likes,
            'creator_followed', v_row.followed,
            'exclusion_policy', v_ctx.exclusion_policy,
            'viewed', v_row.viewed)));
END;
$$;
COMMENT ON FUNCTION rec.explain(text, text, text) IS
'Full score breakdown of one item for one user and strategy, whether or not it is in the feed: eligibility (and why not), rank, weights, every signal value, terms, rules, score and reasons. P0002 for an unknown item.';
