-- One row per refresh step: when it last ran, how it went, and when it last succeeded, so a
-- DBA sees freshness at a glance:  SELECT * FROM pgrec.refresh_status;
CREATE VIEW pgrec.refresh_status AS
SELECT s.step,
       s.position,
       s.description,
       l.started_at   AS last_started_at,
       l.outcome      AS last_outcome,
       l.rows         AS last_rows,
       extract(epoch FROM l.finished_at - l.started_at)::double precision AS last_seconds,
       l.detail       AS last_detail,
       ok.finished_at AS last_ok_at
FROM pgrec.refresh_steps AS s
LEFT JOIN LATERAL (SELECT r.* FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS l ON true
LEFT JOIN LATERAL (SELECT r.finished_at FROM pgrec.refresh_runs AS r
                   WHERE r.step = s.step AND r.outcome = 'ok' ORDER BY r.started_at DESC, r.id DESC LIMIT 1) AS ok ON true;
COMMENT ON VIEW pgrec.refresh_status IS 'Latest run and latest successful run of each refresh step.';
