-- Newest items first: the list pipeline with strategy 'latest' by default (recency alone,
-- tau 30 days), so the order is created_at; popularity breaks ties between items created at
-- the same moment (bulk imports), then the item id. tags filters to items carrying any of the
-- tags. Cost: a walk down the partial index items_live_created that stops after offset + n
-- rows (the fresh candidate source).
CREATE FUNCTION rec.latest(n integer DEFAULT 20, "offset" integer DEFAULT 0, tags text[] DEFAULT NULL,
                           strategy text DEFAULT 'latest')
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_page(n, "offset");
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'latest', strategy, NULL, NULL, n, "offset", p_tags_filter => rec._filter_tags(tags)));
END;
$$;
COMMENT ON FUNCTION rec.latest(integer, integer, text[], text) IS
'Newest live items (item_id, score = recency, reasons) first; popularity breaks ties, then the id. Optional tags filter (any of) and strategy.';
