-- A feed's whole candidate pool for one user, every signal's value for each candidate before
-- weighting: what `pgrec tune` fits a blend on, and what a DBA reads to see why the right item
-- never had a chance (it is not in the pool) or lost (its values). The same context, sources
-- and scoring as rec.feed with these arguments; n sizes the pool as a page of n would.
--   SELECT item_id, excluded, signals ->> 'ease' FROM rec.feed_candidates('u42') ORDER BY score DESC;
CREATE FUNCTION rec.feed_candidates(user_id text, strategy text DEFAULT NULL, weights jsonb DEFAULT NULL,
                                    n integer DEFAULT 100)
RETURNS TABLE (item_id text, excluded text, signals jsonb, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ctx rec.list_context;
BEGIN
    PERFORM rec._check_id('user_id', user_id);
    PERFORM rec._check_page(n, 0);
    v_ctx := rec._list_context('feed', strategy, weights, user_id, n, 0);
    RETURN QUERY
    SELECT s.external_id, s.excluded, to_jsonb(s.signals), s.score
    FROM rec._score(v_ctx, ARRAY(SELECT rec._candidates(v_ctx))) AS s
    ORDER BY s.external_id;
END;
$$;
COMMENT ON FUNCTION rec.feed_candidates(text, text, jsonb, integer) IS
'The feed''s candidate pool for a user (as rec.feed with these arguments would draw it): every candidate, why it is excluded if it is, its 0..1 signal values and weighted score.';
