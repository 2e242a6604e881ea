-- Items similar to a given one; the ranking is in rec._similar_items (0625), documented there:
-- 0.5 embedding cosine + 0.3 collaborative neighbours + 0.2 tag Jaccard, missing terms
-- renormalised; excludes the item itself and, with user_id, what the user already interacted
-- with, created, or blocked by tag.
CREATE FUNCTION rec.similar_items(item_id text, n integer DEFAULT 20, user_id text DEFAULT NULL)
RETURNS TABLE (item_id text, score double precision, reasons jsonb)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
    SELECT * FROM rec._similar_items($1, $2, $3);
$$;
COMMENT ON FUNCTION rec.similar_items(text, integer, text) IS
'Items similar to item_id (item_id, score, reasons) best first: 0.5 embedding cosine + 0.3 collaborative neighbours + 0.2 tag Jaccard (missing terms renormalised). Excludes the item itself and, with user_id, what the user interacted with, created or blocked. Unknown item: P0002.';
