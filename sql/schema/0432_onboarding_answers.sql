-- What each user answered, kept so onboarding is not asked twice (rec.status) and so the
-- preferences it produced can be traced back. Erased with the user.
CREATE TABLE pgrec.onboarding_answers (
    user_id     bigint NOT NULL REFERENCES pgrec.users (id) ON DELETE CASCADE,
    question_id text NOT NULL REFERENCES pgrec.onboarding_questions (question_id) ON DELETE CASCADE,
    option_ids  text[] NOT NULL,
    answered_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, question_id)
);
COMMENT ON TABLE pgrec.onboarding_answers IS 'Onboarding answers per user and question.';
