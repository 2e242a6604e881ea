-- Consent per purpose, and an audit log of what changed a profile or touched personal data.

-- The purposes a user may consent to, and what holds without an answer. personalization:
-- lists use the user's history and preferences (with it withdrawn the user gets what a visitor
-- gets, like preferences.personalization = false; blocked tags still apply). analytics: the
-- user counts in rec.analytics. An installation that needs opt-in sets default_granted false.
CREATE TABLE pgrec.consent_purposes (
    purpose         text PRIMARY KEY CHECK (purpose ~ '^[a-z][a-z0-9_]{0,39}$'),
    default_granted boolean NOT NULL,
    description     text NOT NULL
);
COMMENT ON TABLE pgrec.consent_purposes IS 'Consent purposes (personalization, analytics) and what applies without an answer.';

-- A user's answer per purpose (rec.upsert_consents); updated_at is when they gave it.
CREATE TABLE pgrec.consents (
    user_id    bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    purpose    text NOT NULL REFERENCES pgrec.consent_purposes (purpose) ON DELETE CASCADE ON UPDATE CASCADE,
    granted    boolean NOT NULL,
    updated_at timestamptz NOT NULL CHECK (isfinite(updated_at)),
    PRIMARY KEY (user_id, purpose)
);
COMMENT ON TABLE pgrec.consents IS 'Consent answers per user and purpose.';

-- Profile-affecting and privacy actions: preference and onboarding changes, consent, exports,
-- erasures, tombstones lifted, profiles rebuilt after a rule change. Readable by pgrec_admin
-- (rec.audit_log). No foreign key to pgrec.users: the log outlives the user. It names the user
-- by a SHA-256 digest of their id (rec._user_digest, as the tombstones do) and by the id
-- itself until the user is erased, when the id is cleared: the log can still answer "was this
-- person erased, when, by whom" for anyone who knows the id, without keeping it.
CREATE TABLE pgrec.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),   -- when it happened (not rec.now())
    action      text NOT NULL CHECK (action IN ('preferences', 'onboarding', 'consent', 'export', 'forget',
                                                'unforget', 'profile_rules')),
    user_digest bytea CHECK (length(user_digest) = 32),
    user_id     text,
    actor       text NOT NULL,   -- the session's application_name, else the login role
    login_role  text NOT NULL DEFAULT session_user,
    details     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(details) = 'object')
);
COMMENT ON TABLE pgrec.audit_log IS 'Audit log of profile-affecting and privacy actions: when, what, whose (digest; id until erased), who, details.';
CREATE INDEX audit_log_user ON pgrec.audit_log (user_digest, at);
CREATE INDEX audit_log_at_brin ON pgrec.audit_log USING brin (at) WITH (pages_per_range = 32);
