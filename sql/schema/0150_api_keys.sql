-- API keys for the HTTP API. Only a SHA-256 digest of each secret is stored: a leaked backup
-- or a curious DBA cannot call the API with what is in this table. A key is looked up by its
-- public prefix (the part of the secret before the last underscore), so verification is one
-- index probe and one digest comparison, never a scan over all keys.
CREATE TABLE pgrec.api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$'),
    prefix       text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{12}$'),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'admin'] AND cardinality(scopes) > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Updated at most once a minute per key, so authentication does not turn every read
    -- request into a write.
    last_used_at timestamptz,
    revoked_at   timestamptz
);
COMMENT ON TABLE pgrec.api_keys IS 'HTTP API keys: name, public prefix, SHA-256 of the secret, scopes (read, write, admin), revocation.';
