-- A user's place in an experiment: a number in [0, 1) from the SHA-256 digest of
-- 'experiment:user_id' (its first 52 bits, so the division is exact in float8 and never reaches
-- 1). The same user always lands in the same place, and another experiment name places users
-- independently of the first. It depends on the two texts alone, so an application can compute
-- it too, e.g. in Python:
--   int(hashlib.sha256(f"{experiment}:{user_id}".encode()).hexdigest()[:13], 16) / 2**52
-- SHA-256 rather than hashtext(): documented, the same in every language and PostgreSQL
-- version, and available under FIPS. The experiment name cannot contain ':' (its CHECK), so
-- no two (experiment, user) pairs hash the same text.
CREATE FUNCTION rec._experiment_bucket(p_experiment text, p_user_id text)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ('x' || left(encode(sha256(convert_to(p_experiment || ':' || p_user_id, 'UTF8')), 'hex'), 13))::bit(52)::bigint
       / 4503599627370496.0::double precision;
COMMENT ON FUNCTION rec._experiment_bucket(text, text) IS
'Internal: the user''s bucket in [0, 1) for an experiment: the first 52 bits of sha256(''experiment:user_id'') / 2^52.';
