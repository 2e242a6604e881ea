-- Create or update items from a JSON array. Keys left out of an element keep their stored
-- values (a new item takes the column defaults); JSON null clears an optional field.
-- The batch is validated whole before anything is written: one bad element rejects it all.
CREATE FUNCTION rec.upsert_items(items jsonb) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_allowed constant text[] := ARRAY['id', 'title', 'description', 'tags', 'creator_id', 'created_at',
                                       'location', 'price', 'attributes', 'status', 'expires_at'];
    v_new       text[];
    v_updated   integer;
    v_tags      jsonb;
    v_ids       bigint[];
    v_hashed    bigint[];
    v_hashes    text[];
BEGIN
    PERFORM rec._check_batch('items', items, 10000);

    -- The first problem, if any (LIMIT in a subquery: raised for that row alone).
    PERFORM rec._raise_batch_problem('items', p.idx, p.id, p.code, p.problem,
            'An item is {"id": text, "title", "description", "tags": [text], "creator_id", "created_at", '
            '"location": {"lat","lon"}, "price", "attributes": {}, "status", "expires_at"}.')
    FROM (SELECT t.ord - 1 AS idx, t.e ->> 'id' AS id, c.code, c.problem
          FROM rec._batch_elements(items, 'id') AS t
          CROSS JOIN LATERAL (SELECT * FROM rec._keyed_object_problems(t.e, 'id', v_allowed, t.copies)
                              UNION ALL VALUES
              (5, '22023', CASE WHEN jsonb_typeof(t.e) = 'object' THEN coalesce(
                  'title '       || rec._json_problem(t.e -> 'title', 'title'),
                  'description ' || rec._json_problem(t.e -> 'description', 'description'),
                  'tags '        || rec._json_problem(t.e -> 'tags', 'tags'),
                  'creator_id '  || rec._json_problem(t.e -> 'creator_id', 'id'),
                  'created_at '  || rec._json_problem(t.e -> 'created_at', 'timestamp'),
                  'expires_at '  || rec._json_problem(t.e -> 'expires_at', 'timestamp'),
                  'location '    || rec._json_problem(t.e -> 'location', 'location'),
                  'price '       || rec._json_problem(t.e -> 'price', 'amount'),
                  'attributes '  || rec._json_problem(t.e -> 'attributes', 'object'),
                  CASE WHEN jsonb_typeof(t.e -> 'status') = 'null' OR t.e ->> 'status' NOT IN ('active', 'hidden', 'archived')
                       THEN 'status must be one of active, hidden, archived' END) END)
          ) AS c(n, code, problem)
          WHERE c.problem IS NOT NULL
          ORDER BY t.ord, c.n
          LIMIT 1) AS p;

    -- Tags first, so item rows can refer to their ids: created, then every tag name of the
    -- batch -> its id, which the item rows are built from.
    PERFORM rec._tag_ids(array_agg(tag.name), true)
    FROM jsonb_array_elements(items) AS e
    CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(e -> 'tags') = 'array' THEN e -> 'tags' END) AS tag(name);
    SELECT coalesce(jsonb_object_agg(n.name, t.id), '{}') INTO v_tags
    FROM (SELECT DISTINCT tag.name
          FROM jsonb_array_elements(items) AS e
          CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(e -> 'tags') = 'array' THEN e -> 'tags' END) AS tag(name)) AS n
    CROSS JOIN LATERAL rec._parse_tag(n.name) AS p
    JOIN pgrec.tags AS t ON t.kind = p.kind AND t.value = p.value;

    -- New items, in id order: concurrent batches that share new ids then wait for each other in
    -- one order and never deadlock. ON CONFLICT DO NOTHING, then a separate UPDATE below (a new
    -- snapshot), so an item inserted concurrently by another caller is updated, not skipped.
    WITH inserted AS (
        INSERT INTO pgrec.items (external_id, title, description, tag_ids, creator_id, created_at,
                                 lat, lon, price, attributes, status, expires_at)
        SELECT s.external_id, coalesce(s.title, ''), coalesce(s.description, ''), s.tag_ids, s.creator_id,
               coalesce(s.created_at, rec.now()), s.lat, s.lon, s.price, coalesce(s.attributes, '{}'),
               coalesce(s.status, 'active'), s.expires_at
        FROM rec._item_rows(items, v_tags) AS s
        ORDER BY s.external_id
        ON CONFLICT (external_id) DO NOTHING
        RETURNING external_id)
    SELECT coalesce(array_agg(external_id), '{}') INTO v_new FROM inserted;

    -- Existing items: lock them in id order first, for the same reason.
    PERFORM FROM pgrec.items AS i
    WHERE i.external_id IN (SELECT s.external_id FROM rec._item_rows(items, v_tags) AS s)
      AND i.external_id <> ALL (v_new)
    ORDER BY i.id
    FOR UPDATE;

    UPDATE pgrec.items AS i SET
        title       = CASE WHEN 'title' = ANY (s.keys) THEN coalesce(s.title, '') ELSE i.title END,
        description = CASE WHEN 'description' = ANY (s.keys) THEN coalesce(s.description, '') ELSE i.description END,
        tag_ids     = CASE WHEN 'tags' = ANY (s.keys) THEN s.tag_ids ELSE i.tag_ids END,
        creator_id  = CASE WHEN 'creator_id' = ANY (s.keys) THEN s.creator_id ELSE i.creator_id END,
        created_at  = CASE WHEN 'created_at' = ANY (s.keys) THEN coalesce(s.created_at, i.created_at) ELSE i.created_at END,
        lat         = CASE WHEN 'location' = ANY (s.keys) THEN s.lat ELSE i.lat END,
        lon         = CASE WHEN 'location' = ANY (s.keys) THEN s.lon ELSE i.lon END,
        price       = CASE WHEN 'price' = ANY (s.keys) THEN s.price ELSE i.price END,
        attributes  = CASE WHEN 'attributes' = ANY (s.keys) THEN coalesce(s.attributes, '{}') ELSE i.attributes END,
        status      = coalesce(s.status, i.status),
        expires_at  = CASE WHEN 'expires_at' = ANY (s.keys) THEN s.expires_at ELSE i.expires_at END,
        updated_at  = now()
    FROM rec._item_rows(items, v_tags) AS s
    WHERE i.external_id = s.external_id
      AND s.external_id <> ALL (v_new);  -- rows inserted just above are already complete
    GET DIAGNOSTICS v_updated = ROW_COUNT;

    -- The hash of each item's embedding text, where it changed. Computed first and written
    -- from values, so the statement that writes pgrec.items reads no other table (on Citus it
    -- runs on every copy of the reference table).
    v_ids := ARRAY(SELECT i.id FROM pgrec.items AS i
                   WHERE i.external_id IN (SELECT s.external_id FROM rec._item_rows(items, v_tags) AS s)
                   ORDER BY i.id);
    SELECT coalesce(array_agg(t.id ORDER BY t.id), '{}'), coalesce(array_agg(t.body_hash ORDER BY t.id), '{}')
    INTO v_hashed, v_hashes
    FROM rec._item_embedding_texts(v_ids) AS t
    WHERE t.content_hash IS DISTINCT FROM t.body_hash;
    UPDATE pgrec.items AS i SET content_hash = h.hash
    FROM unnest(v_hashed, v_hashes) AS h(id, hash)
    WHERE i.id = h.id;

    -- Items whose text no longer matches their embedding wait for the embed job. ON CONFLICT
    -- DO NOTHING: an item already queued stays queued, and writing items never waits on a
    -- worker holding that queue row FOR UPDATE (rec.embed_store leaves a row whose text changed
    -- meanwhile queued for the next run).
    INSERT INTO pgrec.embedding_queue (item_id)
    SELECT i.id FROM pgrec.items AS i
    WHERE i.id = ANY (v_ids)
      AND i.content_hash IS DISTINCT FROM i.embedded_hash
    ORDER BY i.id
    ON CONFLICT (item_id) DO NOTHING;

    RETURN cardinality(v_new) + v_updated;
END;
$$;
COMMENT ON FUNCTION rec.upsert_items(jsonb) IS
'Create or update items from a JSON array of {id, title, description, tags, creator_id, created_at, location {lat, lon}, price, attributes, status, expires_at}. Keys left out keep stored values. Returns rows written. Validates the whole batch first (22004/22023 naming the element).';
