-- "kind:value" is a typed tag when the part before the first colon is a valid kind; anything
-- else is a plain tag of kind 'tag'. Case-folded and trimmed so "Tool:Python" = "tool:python".
--
-- Declared as a one-row table function in plain SQL, without SET or STRICT, so the planner
-- inlines it as a subquery wherever it is joined (every tag of every upserted item passes
-- through here). It uses only built-ins, and only SECURITY DEFINER callers reach it.
CREATE FUNCTION rec._parse_tag(p_name text)
RETURNS TABLE (kind text, value text)
LANGUAGE sql IMMUTABLE
AS $$
    SELECT coalesce(m[1], 'tag'), coalesce(btrim(m[2]), n)
    FROM (SELECT lower(btrim(p_name)) AS n) AS norm
    CROSS JOIN LATERAL (SELECT regexp_match(n, '^([a-z][a-z0-9_-]{0,39}):(.+)$') AS m) AS parsed
    WHERE p_name IS NOT NULL;
$$;
COMMENT ON FUNCTION rec._parse_tag(text) IS 'Internal: split a tag name into (kind, value); no row for NULL.';
