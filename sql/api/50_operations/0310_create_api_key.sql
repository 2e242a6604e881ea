-- Create an API key and return its secret. The secret is shown here once and never again:
-- only its digest is stored. Format: pgrec_<12 hex prefix>_<64 hex>; the prefix is public (it
-- finds the row and names the key in logs and rate limits), the rest is the secret part.
-- Randomness comes from gen_random_uuid() (the server's strong random source; two version-4
-- UUIDs carry 244 random bits), so no extension such as pgcrypto is needed.
CREATE FUNCTION rec.create_api_key(name text, scopes text[] DEFAULT ARRAY['read'])
RETURNS TABLE (key_name text, prefix text, key_scopes text[], secret text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_prefix text := left(replace(gen_random_uuid()::text, '-', ''), 12);
    v_secret text;
    v_scopes text[];
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'name must not be null' USING ERRCODE = '22004', HINT = 'Name the key after its client, e.g. ''web-backend''.';
    END IF;
    IF name !~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$' THEN
        RAISE EXCEPTION 'name must be 1..100 letters, digits, ".", "_" or "-", starting with a letter or digit'
            USING ERRCODE = '22023';
    END IF;
    IF scopes IS NULL OR cardinality(scopes) = 0 THEN
        RAISE EXCEPTION 'scopes must not be empty' USING ERRCODE = '22004', HINT = 'Any of: read, write, admin.';
    END IF;
    IF cardinality(scopes) > 3 THEN
        RAISE EXCEPTION 'scopes takes at most the three scopes, got % entries', cardinality(scopes)
            USING ERRCODE = '22023', HINT = 'Any of: read, write, admin.';
    END IF;
    IF NOT scopes <@ ARRAY['read', 'write', 'admin'] OR array_position(scopes, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'unknown scope in %', scopes USING ERRCODE = '22023', HINT = 'Any of: read, write, admin.';
    END IF;
    IF EXISTS (SELECT FROM pgrec.api_keys k WHERE k.name = create_api_key.name) THEN
        -- Names stay taken after revocation, so logs that name a key stay unambiguous.
        RAISE EXCEPTION 'an API key named "%" already exists', name
            USING ERRCODE = '23505', HINT = 'Choose another name; rec.api_keys() lists the existing ones.';
    END IF;

    v_scopes := ARRAY(SELECT DISTINCT s FROM unnest(scopes) AS s ORDER BY s);
    v_secret := 'pgrec_' || v_prefix || '_'
                || replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');
    INSERT INTO pgrec.api_keys (name, prefix, secret_hash, scopes)
    VALUES (create_api_key.name, v_prefix, rec._api_key_digest(v_secret), v_scopes);

    key_name := create_api_key.name;
    prefix := v_prefix;
    key_scopes := v_scopes;
    secret := v_secret;
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION rec.create_api_key(text, text[]) IS
'Create an HTTP API key with scopes (read, write, admin). Returns (key_name, prefix, key_scopes, secret); the secret is shown only here, the database keeps its SHA-256 digest.';
