-- Signal "vector": cosine similarity between the item embedding and the anchor vector (the
-- user's taste, the similar item, the session's mean, the query), max(0, 1 - cosine
-- distance); 0 when the item has no embedding yet.
--
-- The signal functions have no SET clause on purpose: a SET clause stops the planner from
-- inlining a SQL function, and these run once per candidate inside rec._score. They name
-- schemas explicitly all the same.
CREATE FUNCTION rec._signal_vector(p_item public.vector, p_anchor public.vector)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(greatest(0::double precision, 1 - (p_item OPERATOR(public.<=>) p_anchor)), 0);
$$;
COMMENT ON FUNCTION rec._signal_vector(public.vector, public.vector) IS
'Internal signal "vector": max(0, 1 - cosine distance) between item embedding and the anchor vector; 0 without an embedding.';
