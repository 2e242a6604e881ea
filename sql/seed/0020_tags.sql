-- How much a declared preference match counts per tag kind (pgrec.tag_kinds): a matching tool
-- says more about a project than a matching topic.
INSERT INTO pgrec.tag_kinds (kind, weight) VALUES
    ('tool', 0.5), ('category', 0.3), ('topic', 0.2), ('tag', 0.2);
