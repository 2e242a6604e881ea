-- The text an item is embedded from, in a fixed layout that every provider receives:
--
--   <title>
--   <description>
--   Tags: <tag>, <tag>, ...
--   <attribute key>: <value>
--
-- Empty parts are left out. Tags are sorted by name and attributes by key, so the same content
-- always gives the same text (and the same content hash, see 0340). The offline provider reads
-- the "Tags:" line as tag features (app/embeddings/offline.py).
--
-- In pgrec, not rec: the change-tracking trigger calls it, and nothing in pgrec may depend on
-- rec (which is re-created on every API change).
CREATE FUNCTION pgrec.item_embedding_text(p_title text, p_description text, p_tag_ids integer[], p_attributes jsonb)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog
AS $$
    SELECT concat_ws(E'\n',
        nullif(btrim(p_title), ''),
        nullif(btrim(p_description), ''),
        (SELECT 'Tags: ' || string_agg(t.name, ', ' ORDER BY t.name)
         FROM pgrec.tags t WHERE t.id = ANY (p_tag_ids)),
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
               FROM pgrec.embedding_attributes k
               JOIN LATERAL (SELECT p_attributes -> k.key AS value) AS v ON v.value IS NOT NULL) AS a
         WHERE nullif(btrim(a.value), '') IS NOT NULL));
$$;
COMMENT ON FUNCTION pgrec.item_embedding_text(text, text, integer[], jsonb) IS
'The text an item is embedded from: title, description, a "Tags:" line and selected attributes (pgrec.embedding_attributes).';
