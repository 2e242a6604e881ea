-- One scored candidate: every signal's raw 0..1 value (before weighting), what the
-- explanation needs (the liked item behind a collaborative score, the best matching tags,
-- the distance), why it is excluded if it is, and the weighted score.
CREATE TYPE rec.feed_score AS (
    item_id       bigint,
    external_id   text,
    category      integer,           -- the item's category tag (diversity), NULL if none
    excluded      text,              -- why the item cannot be in this user's feed, NULL if it can
    vector        double precision,
    explicit      double precision,
    explicit_tag  integer,
    tags          double precision,
    tags_tag      integer,
    behavioral    double precision,
    creator_likes integer,
    viewed        boolean,
    collaborative double precision,
    because       bigint,
    engagement    double precision,
    popularity    double precision,
    velocity      double precision,
    trending      double precision,
    recency       double precision,
    age_days      double precision,
    location      double precision,
    distance_km   double precision,
    creator       double precision,
    price         double precision,
    rules         double precision,  -- sum of the boosts of matching active rules
    rule_names    text[],
    score         double precision   -- sum of weight x signal, plus rules
);
COMMENT ON TYPE rec.feed_score IS 'Internal: a candidate''s signal values, explanation details, exclusion reason and score.';
