-- Signal "vector" (content): cosine similarity between the user's taste vector and the item
-- embedding, max(0, 1 - cosine distance). 0 when the item has no embedding yet.
--
-- The signal functions have no SET clause on purpose: a SET clause stops the planner from
-- inlining a SQL function, and these run once per candidate inside rec._feed_scores, whose
-- fixed search_path they are parsed with. They name schemas explicitly all the same.
CREATE FUNCTION rec._signal_vector(p_item public.vector, p_user public.vector)
RETURNS double precision
LANGUAGE sql
IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(greatest(0::double precision, 1 - (p_item OPERATOR(public.<=>) p_user)), 0);
$$;
COMMENT ON FUNCTION rec._signal_vector(public.vector, public.vector) IS
'Internal signal "vector": max(0, 1 - cosine distance) between item embedding and user vector; 0 without an embedding.';
