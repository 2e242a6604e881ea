-- Keep pgrec.items.content_hash equal to the digest of the item's embedding text. BEFORE
-- trigger: the hash is part of the row written, so no second update is needed. It fires
-- only when a column that feeds the text is written (rec.upsert_items writes them all;
-- the embed worker, which writes embedding and embedded_hash only, does not fire it).
CREATE FUNCTION pgrec.items_set_content_hash()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    NEW.content_hash := encode(sha256(convert_to(
        pgrec.item_embedding_text(NEW.title, NEW.description, NEW.tag_ids, NEW.attributes), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION pgrec.items_set_content_hash() IS 'Trigger: set items.content_hash from the embedding text.';

CREATE TRIGGER items_content_hash
    BEFORE INSERT OR UPDATE OF title, description, tag_ids, attributes ON pgrec.items
    FOR EACH ROW EXECUTE FUNCTION pgrec.items_set_content_hash();
