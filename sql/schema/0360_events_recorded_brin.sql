-- "How many events arrived since step X last ran?" lets the scheduler refresh neighbours and
-- user vectors early when a burst of new events comes in (rec.job_freshness). recorded_at
-- follows insertion order, so a BRIN index answers that for a few kilobytes, where a btree
-- on the largest table would cost gigabytes.
CREATE INDEX events_recorded_brin ON pgrec.events USING brin (recorded_at) WITH (pages_per_range = 32);
