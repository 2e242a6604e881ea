-- The partitioning policy of pgrec.events (one row): partitions three months ahead, every event
-- kept. A DBA sets a retention with UPDATE pgrec.event_partitioning SET retention = '13 months';
-- the refresh step event_partitions applies it on its next run.
INSERT INTO pgrec.event_partitioning (months_ahead, retention) VALUES (3, NULL);
