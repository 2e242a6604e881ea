-- The models a fresh installation fits (pgrec.models). Interactions are weighed alike by all
-- three: each event counts with its type's strength (a rating by how far above neutral it is:
-- 5 stars 1, 4 stars 0.5, 3 or less nothing), halved every half_life_days before the user's own
-- latest event (decay "user": a user active years ago weighs as much as today's, only their
-- older taste fades), and a user and item pair keeps its strongest event. A view counts half a like: seeing an item says less
-- than choosing it, but on catalogues where most events are views it is most of the evidence.
-- These are starting points; `pgrec tune` may change them for the installation.
INSERT INTO pgrec.models (name, kind, description, parameters) VALUES
    ('itemknn', 'itemknn', 'SQL item-item: P(i -> user -> j) random walks (RP3beta), the 100 best neighbours per item',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "max_items_per_user": 250, "beta": 0.3, "min_support": 2, "neighbors": 100}'),
    ('ease', 'ease', 'EASE (Steck 2019) over the most engaged items: closed-form item-item weights',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "max_items": 6000, "lambdas": [50, 200, 800], "neighbors": 50, "candidates": 200}'),
    ('als', 'als', 'Implicit ALS (Hu, Koren, Volinsky 2008) with 64 factors, through the implicit library',
     '{"strengths": {"view": 0.5, "click": 0.7, "like": 1, "save": 1, "share": 1, "apply": 1, "complete": 1, "rate": 1},
       "half_life_days": 365, "decay": "user", "regularization": 0.05, "iterations": 15, "alpha": 10, "candidates": 200}');
