-- "kind:value" is a typed tag when the part before the first colon is a valid kind; anything
-- else is a plain tag of kind 'tag'. Case-folded and trimmed so "Tool:Python" = "tool:python".
CREATE FUNCTION rec._parse_tag(p_name text, OUT kind text, OUT value text)
LANGUAGE sql
IMMUTABLE STRICT
SET search_path = pg_catalog
AS $$
    SELECT coalesce(m[1], 'tag'), coalesce(btrim(m[2]), n)
    FROM (SELECT lower(btrim(p_name)) AS n) AS norm
    CROSS JOIN LATERAL (SELECT regexp_match(n, '^([a-z][a-z0-9_-]{0,39}):(.+)$') AS m) AS parsed;
$$;
COMMENT ON FUNCTION rec._parse_tag(text) IS 'Internal: split a tag name into (kind, value).';
