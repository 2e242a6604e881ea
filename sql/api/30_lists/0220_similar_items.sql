-- Items like a given one: the list pipeline with the item as anchor (its neighbours for
-- "collaborative", its embedding for "vector", its tags for "tags"), strategy 'similar' by
-- default: 0.5 vector + 0.3 collaborative + 0.2 tags, a term the item has no data for (no
-- embedding yet, no neighbours, no tags) dropped and the others renormalised. The item itself
-- is never listed; with user_id, neither is anything that user interacted with, created, or
-- tagged with a blocked tag (exclusion policy 'unseen'). An item nothing is known about gets
-- no rows.
CREATE FUNCTION rec.similar_items(item_id text, n integer DEFAULT 20, user_id text DEFAULT NULL,
                                  strategy text DEFAULT 'similar', filter jsonb DEFAULT NULL)
RETURNS SETOF rec.ranked_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_src pgrec.items;
BEGIN
    PERFORM rec._check_id('item_id', item_id);
    PERFORM rec._check_page(n, 0);
    IF user_id IS NOT NULL THEN
        PERFORM rec._check_id('user_id', user_id);
    END IF;
    SELECT * INTO v_src FROM pgrec.items AS i WHERE i.external_id = similar_items.item_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown item "%"', item_id
            USING ERRCODE = 'P0002', HINT = 'Create items with rec.upsert_items first.';
    END IF;
    RETURN QUERY SELECT * FROM rec._ranked_list(rec._list_context(
        'similar', strategy, NULL, user_id, n, 0,
        p_anchor_items => ARRAY[v_src.id], p_anchor_vector => v_src.embedding,
        p_anchor_tags => CASE WHEN cardinality(v_src.tag_ids) > 0 THEN v_src.tag_ids END, p_filter => filter));
END;
$$;
COMMENT ON FUNCTION rec.similar_items(text, integer, text, text, jsonb) IS
'Items similar to item_id (item_id, score, reasons) best first: 0.5 embedding cosine + 0.3 collaborative neighbours + 0.2 tag Jaccard (missing terms renormalised; strategy similar). Excludes the item itself and, with user_id, what the user interacted with, created or blocked. Unknown item: P0002.';
