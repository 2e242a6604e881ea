-- The stored fields of items, in the shape rec.upsert_items accepts, for pages that show what a
-- list returned (titles, tags, a map) and for checking what was stored:
--   SELECT * FROM rec.items(ARRAY['p1', 'p2']);
-- One row per known id, in the order asked; ids pgrec does not know are left out. Hidden,
-- archived and expired items are returned too, with their status: this is a lookup by id, not a
-- list to show as it is. At most 1,000 ids per call.
CREATE FUNCTION rec.items(item_ids text[])
RETURNS TABLE (item_id text, title text, description text, tags text[], creator_id text, created_at timestamptz,
               location jsonb, price numeric, attributes jsonb, status text, expires_at timestamptz, embedded boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM rec._check_ids('item_ids', item_ids, 1000);
    RETURN QUERY
    SELECT i.external_id, i.title, i.description,
           ARRAY(SELECT t.name FROM pgrec.tags AS t WHERE t.id = ANY (i.tag_ids) ORDER BY t.name),
           i.creator_id, i.created_at,
           CASE WHEN i.lat IS NOT NULL THEN jsonb_build_object('lat', i.lat, 'lon', i.lon) END,
           i.price, i.attributes, i.status, i.expires_at, i.embedding IS NOT NULL
    FROM (SELECT u.id, min(u.ord) AS ord FROM unnest(item_ids) WITH ORDINALITY AS u(id, ord) GROUP BY u.id) AS a
    JOIN pgrec.items AS i ON i.external_id = a.id
    ORDER BY a.ord;
END;
$$;
COMMENT ON FUNCTION rec.items(text[]) IS
'Stored fields of up to 1000 items by id (item_id, title, description, tags, creator_id, created_at, location {lat, lon}, price, attributes, status, expires_at, embedded), in the order asked; unknown ids left out.';
