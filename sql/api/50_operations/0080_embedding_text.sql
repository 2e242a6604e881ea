-- The text an item is embedded from, in a fixed layout that every provider receives:
--   <title>
--   <description>
--   Tags: <tag>, <tag>, ...
--   <attribute key>: <value>
-- Empty parts are left out. Tags are sorted by name and attributes by key, so the same content
-- always gives the same text and hash. The offline provider reads the "Tags:" line as tag
-- features (app/embeddings/offline.py). A pure function of its arguments (the item's tag
-- names and the keys of pgrec.embedding_attributes are passed in), so it runs wherever the
-- item row is, also on a Citus worker's copy of pgrec.items.
CREATE FUNCTION rec._embedding_text(p_title text, p_description text, p_tag_names text[], p_attributes jsonb,
                                    p_attribute_keys text[])
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(E'\n',
        nullif(btrim(p_title), ''),
        nullif(btrim(p_description), ''),
        (SELECT 'Tags: ' || string_agg(n.name, ', ' ORDER BY n.name) FROM unnest(p_tag_names) AS n(name)),
        (SELECT string_agg(a.key || ': ' || a.value, E'\n' ORDER BY a.key)
         FROM (SELECT k.key,
                      CASE jsonb_typeof(v.value)
                          WHEN 'array' THEN (SELECT string_agg(x #>> '{}', ', ')
                                             FROM jsonb_array_elements(v.value) AS x
                                             WHERE jsonb_typeof(x) IN ('string', 'number', 'boolean'))
                          WHEN 'object' THEN NULL
                          WHEN 'null' THEN NULL
                          ELSE v.value #>> '{}'
                      END AS value
               FROM unnest(p_attribute_keys) AS k(key)
               JOIN LATERAL (SELECT p_attributes -> k.key AS value) AS v ON v.value IS NOT NULL) AS a
         WHERE nullif(btrim(a.value), '') IS NOT NULL));
$$;
COMMENT ON FUNCTION rec._embedding_text(text, text, text[], jsonb, text[]) IS
'Internal: the text an item is embedded from (title, description, a "Tags:" line, selected attributes), from its values.';

-- The embedding text of the given items and its SHA-256 (what content_hash must be), with the
-- stored content_hash. The tag names and attribute keys are read once for the batch, then
-- every text is computed from values (rec._embedding_text), instead of two lookups per item.
CREATE FUNCTION rec._item_embedding_texts(p_ids bigint[])
RETURNS TABLE (id bigint, external_id text, content_hash text, body text, body_hash text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    v_keys  text[] := ARRAY(SELECT k.key FROM pgrec.embedding_attributes AS k);
    v_names jsonb;
BEGIN
    SELECT coalesce(jsonb_object_agg(t.id, t.name), '{}') INTO v_names
    FROM pgrec.tags AS t
    WHERE t.id IN (SELECT unnest(i.tag_ids) FROM pgrec.items AS i WHERE i.id = ANY (p_ids));
    RETURN QUERY
    SELECT x.id, x.external_id, x.content_hash, x.body, encode(sha256(convert_to(x.body, 'UTF8')), 'hex')
    FROM (SELECT i.id, i.external_id, i.content_hash,
                 rec._embedding_text(i.title, i.description,
                                     ARRAY(SELECT v_names ->> t.id::text FROM unnest(i.tag_ids) AS t(id)),
                                     i.attributes, v_keys) AS body
          FROM pgrec.items AS i
          WHERE i.id = ANY (p_ids)) AS x;
END;
$$;
COMMENT ON FUNCTION rec._item_embedding_texts(bigint[]) IS
'Internal: (id, external_id, stored content_hash, embedding text, its SHA-256 hex) of the given items.';
