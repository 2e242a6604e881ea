-- Onboarding questions that fit the demo catalogue; an installation replaces them with its own.
INSERT INTO pgrec.onboarding_questions (question_id, position, prompt, multiple) VALUES
    ('interests', 10, 'What are you into? Pick as many as you like.', true),
    ('tools', 20, 'Which of these do you use?', true),
    ('level', 30, 'How experienced are you?', false);

INSERT INTO pgrec.onboarding_options (question_id, option_id, position, label, tags) VALUES
    ('interests', 'design', 10, 'Design', '{"category:design": 1}'),
    ('interests', 'photography', 20, 'Photography', '{"category:photography": 1}'),
    ('interests', 'programming', 30, 'Programming', '{"category:programming": 1}'),
    ('interests', 'data', 40, 'Data', '{"category:data": 1}'),
    ('interests', 'music', 50, 'Music', '{"category:music": 1}'),
    ('interests', 'cooking', 60, 'Cooking', '{"category:cooking": 1}'),
    ('interests', 'fitness', 70, 'Fitness', '{"category:fitness": 1}'),
    ('interests', 'woodworking', 80, 'Woodworking', '{"category:woodworking": 1}'),
    ('interests', 'gardening', 90, 'Gardening', '{"category:gardening": 1}'),
    ('interests', 'languages', 100, 'Languages', '{"category:languages": 1}'),
    ('tools', 'python', 10, 'Python', '{"tool:python": 1}'),
    ('tools', 'figma', 20, 'Figma', '{"tool:figma": 1}'),
    ('tools', 'camera', 30, 'A camera', '{"tool:camera": 1}'),
    ('tools', 'guitar', 40, 'Guitar', '{"tool:guitar": 1}'),
    ('tools', 'oven', 50, 'An oven', '{"tool:oven": 1}'),
    ('tools', 'chisel', 60, 'Chisels', '{"tool:chisel": 1}'),
    ('level', 'beginner', 10, 'Just starting', '{"beginner": 1}'),
    ('level', 'some', 20, 'I know my way around', '{"community": 0.5}'),
    ('level', 'advanced', 30, 'Advanced', '{"advanced": 1}');
