-- pgrec.item_neighbors drops its foreign keys to pgrec.items: a refresh writes every item's
-- rows at once and a foreign key checks each row alone (at 1M events 29 of the 35 s those rows
-- took). Deleted items take their rows, both ways, by a statement trigger instead — on one
-- PostgreSQL; Citus allows none on reference tables, and there rec.forget_user deletes them.
-- Frozen once released: later changes are new revisions.
ALTER TABLE pgrec.item_neighbors DROP CONSTRAINT IF EXISTS item_neighbors_item_id_fkey;
ALTER TABLE pgrec.item_neighbors DROP CONSTRAINT IF EXISTS item_neighbors_neighbor_id_fkey;
CREATE FUNCTION pgrec.drop_item_neighbors() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM pgrec.item_neighbors AS n
    WHERE n.item_id IN (SELECT o.id FROM old_items AS o) OR n.neighbor_id IN (SELECT o.id FROM old_items AS o);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION pgrec.drop_item_neighbors() IS 'Trigger: delete the neighbour rows (pgrec.item_neighbors) of deleted items, both ways.';
DO $$
BEGIN
    IF NOT pgrec.citus_enabled() THEN
        CREATE TRIGGER items_drop_neighbors
            AFTER DELETE ON pgrec.items
            REFERENCING OLD TABLE AS old_items
            FOR EACH STATEMENT EXECUTE FUNCTION pgrec.drop_item_neighbors();
    END IF;
END;
$$;
