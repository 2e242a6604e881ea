-- The personalised "For You" feed.
--
--   SELECT * FROM rec.feed('u42');                                   -- 20 items, the installation's blend
--   SELECT * FROM rec.feed('u42', 20, 20, 'marketplace');            -- second page, another strategy
--   SELECT * FROM rec.feed('u42', weights => '{"vector": 1, "recency": 0.2}');  -- one-off weights
--
-- The list pipeline (sql/api/20_pipeline) with the user as anchor: their positive history for
-- the collaborative signal, their taste vector, their interests and their location. The user's
-- history is read straight from events, so a rec.track call changes the very next feed. An
-- active user's feed is usually served from their precomputed pool (pgrec.feed_pools), which
-- gives the same page whenever it can tell, and otherwise leaves the call to the pipeline.
-- Without a strategy it serves the installation's fitted blend (the strategy `pgrec tune` wrote,
-- when it beat default on replay), else default.
CREATE FUNCTION rec.feed(user_id text, n integer DEFAULT 20, "offset" integer DEFAULT 0,
                         strategy text DEFAULT NULL, weights jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_page rec.ranked_item[];
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, "offset");
    -- The user's precomputed feed when it can answer exactly (refresh step feed_pools).
    IF weights IS NULL AND (strategy IS NULL OR strategy NOT LIKE 'experiment:%') THEN
        v_page := rec._pooled_feed(user_id, coalesce(strategy, rec._served_feed_strategy()), n, "offset");
        IF v_page IS NOT NULL THEN
            RETURN QUERY SELECT * FROM unnest(v_page);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context('feed', strategy, weights, user_id, n, "offset"));
END;
$$;
COMMENT ON FUNCTION rec.feed(text, integer, integer, text, jsonb) IS
'Personalised feed for a user: (item_id, score, reasons) best first. Blends the signals of pgrec.feed_signals with the weights of a strategy (pgrec.strategies; without one, the fitted blend of pgrec tune when it validated better, else default) or a per-call weights override; diversified per category; cold start and opt-out fall back to non-personal signals. reasons = {terms: {signal: weighted value}, reasons: [text]}.';
