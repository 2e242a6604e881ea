-- Onboarding: a few questions a new user answers, each option worth some tag preferences.
-- rec.submit_onboarding turns answers into pgrec.user_tags rows. The seed questions fit the
-- demo catalogue; an installation replaces them with its own (they are plain rows).
CREATE TABLE pgrec.onboarding_questions (
    question_id text PRIMARY KEY CHECK (question_id ~ '^[a-z][a-z0-9_-]{0,63}$'),
    position    integer NOT NULL,
    prompt      text NOT NULL,
    -- true: any number of options may be picked; false: exactly one.
    multiple    boolean NOT NULL DEFAULT true,
    active      boolean NOT NULL DEFAULT true,
    -- Which quiz the question belongs to: an installation serving several products (an
    -- explore page beside a learning catalogue) asks each product's own questions
    -- (rec.onboarding_questions(questionnaire)); 'default' is the one asked without a name.
    questionnaire text NOT NULL DEFAULT 'default' CHECK (questionnaire ~ '^[a-z][a-z0-9_]{0,39}$')
);
COMMENT ON TABLE pgrec.onboarding_questions IS 'Onboarding questions shown to new users (rec.onboarding_questions).';

-- The options of each question and the tag preferences picking one declares: tags is
-- {"tag name": weight}, weight in (0, 10] like pgrec.user_tags.weight.
CREATE TABLE pgrec.onboarding_options (
    question_id text NOT NULL REFERENCES pgrec.onboarding_questions (question_id) ON DELETE CASCADE,
    option_id   text NOT NULL CHECK (option_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    position    integer NOT NULL,
    label       text NOT NULL,
    tags        jsonb NOT NULL CHECK (jsonb_typeof(tags) = 'object'),
    PRIMARY KEY (question_id, option_id)
);
COMMENT ON TABLE pgrec.onboarding_options IS 'Options of onboarding questions, each with the tag preferences {tag: weight} it declares.';

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
