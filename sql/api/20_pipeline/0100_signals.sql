-- The signal vocabulary as a row type: one 0..1 value per ranking signal. Its fields are the
-- signals of pgrec.feed_signals (a test checks they agree), in the same order; a strategy's
-- weights are a rec.signals too (jsonb_populate_record over its weights), so scoring is one
-- weighted sum and everything else (terms, reasons, explain) is built from data.
CREATE TYPE rec.signals AS (
    vector        double precision,
    explicit      double precision,
    tags          double precision,
    behavioral    double precision,
    collaborative double precision,
    ease          double precision,
    als           double precision,
    sequence      double precision,
    keyword       double precision,
    engagement    double precision,
    popularity    double precision,
    contemporary  double precision,
    velocity      double precision,
    trending      double precision,
    recency       double precision,
    location      double precision,
    creator       double precision,
    price         double precision,
    difficulty    double precision
);
COMMENT ON TYPE rec.signals IS 'Internal: one value per ranking signal (pgrec.feed_signals); also used for weights.';

-- The score of a candidate: sum of weight x value over the vocabulary. A plain expression, so
-- the scoring query inlines it.
CREATE FUNCTION rec._weighted_sum(p_values rec.signals, p_weights rec.signals) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_weights.vector * p_values.vector + p_weights.explicit * p_values.explicit
         + p_weights.tags * p_values.tags + p_weights.behavioral * p_values.behavioral
         + p_weights.collaborative * p_values.collaborative + p_weights.ease * p_values.ease
         + p_weights.als * p_values.als + p_weights.sequence * p_values.sequence
         + p_weights.keyword * p_values.keyword + p_weights.engagement * p_values.engagement
         + p_weights.popularity * p_values.popularity + p_weights.contemporary * p_values.contemporary
         + p_weights.velocity * p_values.velocity
         + p_weights.trending * p_values.trending + p_weights.recency * p_values.recency
         + p_weights.location * p_values.location + p_weights.creator * p_values.creator
         + p_weights.price * p_values.price
         + p_weights.difficulty * p_values.difficulty;
$$;
COMMENT ON FUNCTION rec._weighted_sum(rec.signals, rec.signals) IS 'Internal: sum over the signal vocabulary of weight x value.';

-- The same values as (signal, value) rows, for the terms of the reasons: a plain SQL function
-- over the fields, inlined, so a page's rows are unpivoted without going through jsonb (a
-- text key looked up and a number parsed back per term).
CREATE FUNCTION rec._signal_values(p_values rec.signals) RETURNS TABLE (signal text, value double precision)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v.signal, v.value FROM (VALUES
    ('vector', p_values.vector),
    ('explicit', p_values.explicit),
    ('tags', p_values.tags),
    ('behavioral', p_values.behavioral),
    ('collaborative', p_values.collaborative),
    ('ease', p_values.ease),
    ('als', p_values.als),
    ('sequence', p_values.sequence),
    ('keyword', p_values.keyword),
    ('engagement', p_values.engagement),
    ('popularity', p_values.popularity),
    ('contemporary', p_values.contemporary),
    ('velocity', p_values.velocity),
    ('trending', p_values.trending),
    ('recency', p_values.recency),
    ('location', p_values.location),
    ('creator', p_values.creator),
    ('price', p_values.price),
    ('difficulty', p_values.difficulty)) AS v(signal, value);
$$;
COMMENT ON FUNCTION rec._signal_values(rec.signals) IS 'Internal: the signal vocabulary''s values as (signal, value) rows.';

-- What every list returns, one row per item, best first: the client's item id, the score, and
-- {"terms": {signal: weighted value, ...}, "reasons": [human-readable reasons], ...}.
CREATE TYPE rec.ranked_item AS (
    item_id text,
    score   double precision,
    reasons jsonb
);
COMMENT ON TYPE rec.ranked_item IS 'A row of any list (feed, trending, similar, ...): item_id, score, reasons.';
