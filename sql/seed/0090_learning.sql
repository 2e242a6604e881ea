-- Learning: paces, the constants of adaptive difficulty, achievements and the recommendation
-- types a fresh installation starts with. All plain rows an installation edits.
INSERT INTO pgrec.learning_paces (pace, lessons_per_session, minutes_per_day, is_default, description) VALUES
    ('relaxed',   1, 15, false, 'a lesson now and then'),
    ('steady',    2, 30, true,  'a couple of lessons most days'),
    ('intensive', 4, 60, false, 'long sessions, day after day');

INSERT INTO pgrec.difficulty_settings (id, recent, window_days, decay, target_score, score_gain, time_gain,
                                       min_level, max_level) VALUES
    (true, 10, 90, 0.8, 70, 2.5, 0.5, 1, 5);

INSERT INTO pgrec.achievements (name, position, title, description, kind, target, item_type, tag_kind, min_score,
                                event_type) VALUES
    ('first_lesson',   10, 'First lesson',      'Complete your first lesson.',                        'completions', 1,  'lesson', NULL, NULL, NULL),
    ('ten_lessons',    20, 'Ten lessons',       'Complete ten lessons.',                              'completions', 10, 'lesson', NULL, NULL, NULL),
    ('first_course',   30, 'Course finished',   'Complete a whole course.',                           'completions', 1,  'course', NULL, NULL, NULL),
    ('streak_3',       40, 'Three in a row',    'Study three days in a row.',                         'streak_days', 3,  NULL, NULL, NULL, NULL),
    ('streak_7',       50, 'A week of study',   'Study seven days in a row.',                         'streak_days', 7,  NULL, NULL, NULL, NULL),
    ('streak_30',      60, 'A month of study',  'Study thirty days in a row.',                        'streak_days', 30, NULL, NULL, NULL, NULL),
    ('subject_master', 70, 'Subject mastery',   'Complete ten lessons of one subject with 80 or more.', 'mastery',   10, 'lesson', 'category', 80, NULL),
    ('first_rating',   80, 'Critic',            'Rate something you finished.',                       'events',      1,  NULL, NULL, NULL, 'rate');

INSERT INTO pgrec.recommendation_types (type, strategy, description) VALUES
    ('content-based', 'content_based', 'like what the learner engaged with and declared, at their level'),
    ('collaborative', 'collaborative', 'what learners with similar histories went on to'),
    ('trending',      'trending_now',  'what is taking off now, near the learner''s interests and level'),
    ('sequential',    'sequential',    'the next-best lesson: what learners did next after the learner''s latest items');
