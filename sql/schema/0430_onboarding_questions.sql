-- Onboarding: a few questions a new user answers, each option worth some tag preferences.
-- rec.submit_onboarding turns answers into pgrec.user_tags rows. The seed questions fit the
-- demo catalogue; an installation replaces them with its own (they are plain rows).
CREATE TABLE pgrec.onboarding_questions (
    question_id text PRIMARY KEY CHECK (question_id ~ '^[a-z][a-z0-9_-]{0,63}$'),
    position    integer NOT NULL,
    prompt      text NOT NULL,
    -- true: any number of options may be picked; false: exactly one.
    multiple    boolean NOT NULL DEFAULT true,
    active      boolean NOT NULL DEFAULT true
);
COMMENT ON TABLE pgrec.onboarding_questions IS 'Onboarding questions shown to new users (rec.onboarding_questions).';

INSERT INTO pgrec.onboarding_questions (question_id, position, prompt, multiple) VALUES
    ('interests', 10, 'What are you into? Pick as many as you like.', true),
    ('tools', 20, 'Which of these do you use?', true),
    ('level', 30, 'How experienced are you?', false);
