-- A reason phrase with its {name} placeholders filled from a row's details; NULL when a
-- placeholder has no value (the caller then falls back to the phrase's fallback). The
-- placeholders are the keys rec._reasons puts in a row's details; a phrase has no other "{".
-- One expression with no FROM, so the reasons query inlines it: a SQL function that is not
-- inlined costs a call of the SQL-function executor per phrase, which was a third of a
-- 100-row reasons query. The regular expression returns the filled phrase when no "{" is left
-- (a placeholder without a value), else NULL.
CREATE FUNCTION rec._fill_phrase(p_phrase text, p_details jsonb) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT substring(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(p_phrase,
                     '{because}', coalesce(p_details ->> 'because', '{because}')),
                     '{anchor}', coalesce(p_details ->> 'anchor', '{anchor}')),
                     '{pref_tag}', coalesce(p_details ->> 'pref_tag', '{pref_tag}')),
                     '{interest_tag}', coalesce(p_details ->> 'interest_tag', '{interest_tag}')),
                     '{category}', coalesce(p_details ->> 'category', '{category}')),
                     '{km}', coalesce(p_details ->> 'km', '{km}')),
                     '{age}', coalesce(p_details ->> 'age', '{age}')),
                     '{query}', coalesce(p_details ->> 'query', '{query}')),
                     '{window}', coalesce(p_details ->> 'window', '{window}')),
                     '{recent}', coalesce(p_details ->> 'recent', '{recent}')),
                     '{before}', coalesce(p_details ->> 'before', '{before}')),
                     '{relation}', coalesce(p_details ->> 'relation', '{relation}')) FROM '^[^{]*$');
$$;
COMMENT ON FUNCTION rec._fill_phrase(text, jsonb) IS 'Internal: fill a reason phrase''s {placeholders} from details; NULL when one has no value.';
