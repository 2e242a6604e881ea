-- Item attributes that are part of the embedded text (pgrec.embedding_attributes).
INSERT INTO pgrec.embedding_attributes (key) VALUES
    ('kind'), ('level'), ('category'), ('genre'), ('brand'), ('skills'), ('language');
