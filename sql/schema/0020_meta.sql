-- Facts about this installation that code needs at run time (today: the checksum of the
-- installed rec API, so an upgrade re-creates it only when its files changed).
CREATE TABLE pgrec.meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
COMMENT ON TABLE pgrec.meta IS 'Installation facts, e.g. the checksum of the installed rec API.';
