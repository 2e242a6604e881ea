-- How much a declared preference match counts per tag kind (pgrec.tag_kinds): a matching tool
-- says more about a project than a matching topic.
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES
    ('tool', 0.5), ('category', 0.3), ('topic', 0.2), ('tag', 0.2);

-- A level (level:beginner, the explore page's quiz) says who the user is more than what they
-- like: a tie-breaker among the projects of their interests, not a match of its own.
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES ('level', 0.1);
