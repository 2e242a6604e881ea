-- The content filter every list takes (its `filter` argument): which items a caller allows,
-- by tags, attributes and price, as one small JSON expression:
--   {"tags_any":  ["category:python", "category:sql"],   at least one of these tags
--    "tags_all":  ["format:video"],                       every one of these
--    "tags_none": ["level:expert"],                       none of these
--    "attributes": {"level": {"lte": 3}, "type": {"eq": "lesson"},
--                   "format": {"in": ["video", "reading"]}, "duration_minutes": {"gte": 5, "lt": 30},
--                   "free": {"exists": true}},
--    "price": {"lte": 50}}
-- Every part must hold (AND). Attribute operators: eq, ne (a string, number or boolean), in,
-- nin (an array of them, 1..100), lt, lte, gt, gte (a number, compared with numbers, or a string,
-- compared with strings in byte order), exists (true or false). An item without the attribute
-- fails every condition on it except exists: false. Tags nobody uses yet match nothing
-- (tags_any, tags_all) or exclude nothing (tags_none). Price operators: lt, lte, gt, gte; an
-- item without a price fails them.
--
-- rec._content_filter validates a filter once per call and maps tags to ids; the one place it
-- is applied is eligibility in rec._score, so every list honours it the same way and rec.explain
-- says which part left an item out ("filtered out (attributes)").
CREATE TYPE rec.content_filter AS (
    tags_any   integer[],   -- NULL: no condition
    tags_all   integer[],
    tags_none  integer[],
    attributes jsonb,       -- {key: {operator: value}}, validated
    price      jsonb        -- {operator: number}, validated
);
COMMENT ON TYPE rec.content_filter IS 'Internal: a validated content filter (tags as ids, attribute and price conditions).';

CREATE FUNCTION rec._content_filter(p_filter jsonb)
RETURNS rec.content_filter
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_hint constant text := 'A filter is {"tags_any": [tags], "tags_all": [tags], "tags_none": [tags], '
                            '"attributes": {"key": {"eq"|"ne"|"in"|"nin"|"lt"|"lte"|"gt"|"gte"|"exists": value}}, '
                            '"price": {"lt"|"lte"|"gt"|"gte": number}}; every part is optional.';
    v_keys constant text[] := ARRAY['tags_any', 'tags_all', 'tags_none', 'attributes', 'price'];
    v_ops  constant text[] := ARRAY['eq', 'ne', 'in', 'nin', 'lt', 'lte', 'gt', 'gte', 'exists'];
    f      rec.content_filter;
    v_key  text;
    v_val  jsonb;
    v_op   text;
    v_arg  jsonb;
    v_idx  integer;
    v_tags text[];
    v_path text;
BEGIN
    IF p_filter IS NULL OR jsonb_typeof(p_filter) = 'null' THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_filter) <> 'object' THEN
        RAISE EXCEPTION 'filter must be a JSON object, got %', jsonb_typeof(p_filter) USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    -- A filter is a few conditions; anything this large is not one.
    IF octet_length(p_filter::text) > 16384 THEN
        RAISE EXCEPTION 'filter is larger than 16 KB' USING ERRCODE = '22023', HINT = v_hint;
    END IF;
    SELECT k INTO v_key FROM jsonb_object_keys(p_filter) AS k WHERE k <> ALL (v_keys) ORDER BY k LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'filter: unknown key "%"', left(v_key, 100) USING ERRCODE = '22023', HINT = v_hint;
    END IF;

    FOREACH v_key IN ARRAY ARRAY['tags_any', 'tags_all', 'tags_none'] LOOP
        v_val := p_filter -> v_key;
        CONTINUE WHEN v_val IS NULL;
        IF jsonb_typeof(v_val) <> 'array' OR jsonb_array_length(v_val) NOT BETWEEN 1 AND 50 THEN
            RAISE EXCEPTION 'filter.% must be an array of 1 to 50 tags', v_key USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        SELECT x.ord - 1 INTO v_idx
        FROM jsonb_array_elements(v_val) WITH ORDINALITY AS x(tag, ord)
        WHERE jsonb_typeof(x.tag) <> 'string' OR btrim(x.tag #>> '{}') = '' OR length(x.tag #>> '{}') > 200
        ORDER BY x.ord LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'filter.%[%] must be a non-empty tag of at most 200 characters', v_key, v_idx
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        v_tags := ARRAY(SELECT jsonb_array_elements_text(v_val));
        IF v_key = 'tags_any' THEN
            f.tags_any := coalesce(rec._tag_ids(v_tags, false), '{}');
        ELSIF v_key = 'tags_all' THEN
            -- A tag nobody carries: no item has them all (-1 is no tag's id).
            f.tags_all := CASE WHEN cardinality(coalesce(rec._tag_ids(v_tags, false), '{}'))
                                    = (SELECT count(DISTINCT (p.kind, p.value)) FROM unnest(v_tags) AS t(name)
                                       CROSS JOIN LATERAL rec._parse_tag(t.name) AS p)
                               THEN rec._tag_ids(v_tags, false) ELSE ARRAY[-1] END;
        ELSE
            f.tags_none := coalesce(rec._tag_ids(v_tags, false), '{}');
        END IF;
    END LOOP;

    v_val := p_filter -> 'attributes';
    IF v_val IS NOT NULL THEN
        IF jsonb_typeof(v_val) <> 'object' THEN
            RAISE EXCEPTION 'filter.attributes must be an object {"key": {"operator": value}}'
                USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        IF (SELECT count(*) FROM jsonb_object_keys(v_val)) > 20 THEN
            RAISE EXCEPTION 'filter.attributes may hold at most 20 keys' USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        FOR v_key, v_arg IN SELECT a.key, a.value FROM jsonb_each(v_val) AS a ORDER BY a.key LOOP
            v_path := 'filter.attributes.' || left(v_key, 64);
            IF v_key !~ '^[A-Za-z0-9_.-]{1,64}$' THEN
                RAISE EXCEPTION 'filter.attributes: key "%" must be 1 to 64 letters, digits, _ . -', left(v_key, 64)
                    USING ERRCODE = '22023', HINT = v_hint;
            END IF;
            IF jsonb_typeof(v_arg) <> 'object' OR v_arg = '{}' THEN
                RAISE EXCEPTION '% must be an object of operators, e.g. {"lte": 3}', v_path
                    USING ERRCODE = '22023', HINT = v_hint;
            END IF;
            FOR v_op, v_val IN SELECT o.key, o.value FROM jsonb_each(v_arg) AS o ORDER BY o.key LOOP
                IF v_op <> ALL (v_ops) THEN
                    RAISE EXCEPTION '%: unknown operator "%"', v_path, left(v_op, 40) USING ERRCODE = '22023',
                        HINT = 'Operators: eq, ne, in, nin, lt, lte, gt, gte, exists.';
                END IF;
                IF v_op IN ('eq', 'ne') AND jsonb_typeof(v_val) NOT IN ('string', 'number', 'boolean') THEN
                    RAISE EXCEPTION '%.% must be a string, a number or a boolean', v_path, v_op
                        USING ERRCODE = '22023', HINT = v_hint;
                ELSIF v_op IN ('in', 'nin') AND (jsonb_typeof(v_val) <> 'array' OR jsonb_array_length(v_val) NOT BETWEEN 1 AND 100
                        OR EXISTS (SELECT FROM jsonb_array_elements(v_val) AS e
                                   WHERE jsonb_typeof(e) NOT IN ('string', 'number', 'boolean'))) THEN
                    RAISE EXCEPTION '%.% must be an array of 1 to 100 strings, numbers or booleans', v_path, v_op
                        USING ERRCODE = '22023', HINT = v_hint;
                ELSIF v_op IN ('lt', 'lte', 'gt', 'gte') AND jsonb_typeof(v_val) NOT IN ('string', 'number') THEN
                    RAISE EXCEPTION '%.% must be a number or a string', v_path, v_op USING ERRCODE = '22023', HINT = v_hint;
                ELSIF v_op = 'exists' AND jsonb_typeof(v_val) <> 'boolean' THEN
                    RAISE EXCEPTION '%.exists must be true or false', v_path USING ERRCODE = '22023', HINT = v_hint;
                END IF;
            END LOOP;
        END LOOP;
        f.attributes := nullif(p_filter -> 'attributes', '{}');
    END IF;

    v_val := p_filter -> 'price';
    IF v_val IS NOT NULL THEN
        IF jsonb_typeof(v_val) <> 'object' OR v_val = '{}' THEN
            RAISE EXCEPTION 'filter.price must be an object of operators, e.g. {"lte": 50}' USING ERRCODE = '22023', HINT = v_hint;
        END IF;
        FOR v_op, v_arg IN SELECT o.key, o.value FROM jsonb_each(v_val) AS o ORDER BY o.key LOOP
            IF v_op NOT IN ('lt', 'lte', 'gt', 'gte') THEN
                RAISE EXCEPTION 'filter.price: unknown operator "%"', left(v_op, 40) USING ERRCODE = '22023',
                    HINT = 'Price operators: lt, lte, gt, gte.';
            END IF;
            IF jsonb_typeof(v_arg) <> 'number' THEN
                RAISE EXCEPTION 'filter.price.% must be a number', v_op USING ERRCODE = '22023', HINT = v_hint;
            END IF;
        END LOOP;
        f.price := v_val;
    END IF;

    IF f.tags_any IS NULL AND f.tags_all IS NULL AND f.tags_none IS NULL AND f.attributes IS NULL AND f.price IS NULL THEN
        RETURN NULL;   -- {} asks for nothing
    END IF;
    RETURN f;
END;
$$;
COMMENT ON FUNCTION rec._content_filter(jsonb) IS
'Internal: validate a list''s content filter {tags_any, tags_all, tags_none, attributes, price} (22023 naming the element) and map its tags to ids; NULL for no filter.';

-- Whether a JSON value passes a filter's operators ({"lte": 3, "gt": 1}): every one must hold;
-- a missing value (NULL) passes only {"exists": false}. Numbers compare with numbers, strings
-- with strings (byte order, so the answer does not depend on the database's collation).
CREATE FUNCTION rec._filter_value_matches(p_value jsonb, p_ops jsonb)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT NOT EXISTS (
        SELECT FROM jsonb_each(p_ops) AS o(op, arg)
        WHERE NOT coalesce(CASE o.op
            WHEN 'exists' THEN (p_value IS NOT NULL AND jsonb_typeof(p_value) <> 'null') = (o.arg = 'true'::jsonb)
            WHEN 'eq' THEN p_value = o.arg
            WHEN 'ne' THEN p_value <> o.arg
            WHEN 'in' THEN EXISTS (SELECT FROM jsonb_array_elements(o.arg) AS e WHERE e = p_value)
            WHEN 'nin' THEN p_value IS NOT NULL AND NOT EXISTS (SELECT FROM jsonb_array_elements(o.arg) AS e WHERE e = p_value)
            ELSE CASE
                WHEN jsonb_typeof(o.arg) = 'number' AND jsonb_typeof(p_value) = 'number' THEN
                    CASE o.op WHEN 'lt' THEN (p_value #>> '{}')::numeric < (o.arg #>> '{}')::numeric
                              WHEN 'lte' THEN (p_value #>> '{}')::numeric <= (o.arg #>> '{}')::numeric
                              WHEN 'gt' THEN (p_value #>> '{}')::numeric > (o.arg #>> '{}')::numeric
                              WHEN 'gte' THEN (p_value #>> '{}')::numeric >= (o.arg #>> '{}')::numeric END
                WHEN jsonb_typeof(o.arg) = 'string' AND jsonb_typeof(p_value) = 'string' THEN
                    CASE o.op WHEN 'lt' THEN (p_value #>> '{}') COLLATE "C" < (o.arg #>> '{}')
                              WHEN 'lte' THEN (p_value #>> '{}') COLLATE "C" <= (o.arg #>> '{}')
                              WHEN 'gt' THEN (p_value #>> '{}') COLLATE "C" > (o.arg #>> '{}')
                              WHEN 'gte' THEN (p_value #>> '{}') COLLATE "C" >= (o.arg #>> '{}') END
            END
        END, false));
$$;
COMMENT ON FUNCTION rec._filter_value_matches(jsonb, jsonb) IS
'Internal: whether a JSON value satisfies every operator of a content filter condition ({"lte": 3, ...}).';

-- Which part of a content filter an item fails, or NULL when it passes: the exclusion reason
-- rec._score reports ("filtered out (tags_any)").
CREATE FUNCTION rec._filter_excludes(f rec.content_filter, p_tag_ids integer[], p_attributes jsonb, p_price numeric)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN f.tags_any IS NOT NULL AND NOT p_tag_ids && f.tags_any THEN 'filtered out (tags_any)'
        WHEN f.tags_all IS NOT NULL AND NOT p_tag_ids @> f.tags_all THEN 'filtered out (tags_all)'
        WHEN f.tags_none IS NOT NULL AND p_tag_ids && f.tags_none THEN 'filtered out (tags_none)'
        WHEN f.attributes IS NOT NULL AND EXISTS (
                 SELECT FROM jsonb_each(f.attributes) AS a(key, ops)
                 WHERE NOT rec._filter_value_matches(p_attributes -> a.key, a.ops)) THEN 'filtered out (attributes)'
        WHEN f.price IS NOT NULL AND NOT rec._filter_value_matches(to_jsonb(p_price), f.price) THEN 'filtered out (price)'
    END;
$$;
COMMENT ON FUNCTION rec._filter_excludes(rec.content_filter, integer[], jsonb, numeric) IS
'Internal: the part of a content filter an item fails ("filtered out (attributes)"), NULL when it passes.';
