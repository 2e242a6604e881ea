-- rec.nearby finds the live items inside a bounding box around the point before computing
-- exact distances; a GiST index on the item's point answers the box test without reading
-- the whole catalogue. Built-in point_ops: no extension needed.
CREATE INDEX items_live_location ON pgrec.items USING gist (point(lon, lat))
    WHERE status = 'active' AND lat IS NOT NULL;
