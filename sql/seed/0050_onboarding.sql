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

-- The explore page's quiz (rec.onboarding_questions('explore')): what a new member makes, the
-- tools they use (those of the explore world's projects, which carry them as tool: tags) and
-- their level (projects carry a level: tag; a level also counts half for the one below, since
-- people enjoy what they have outgrown more than what is beyond them). A level is declared at
-- half weight, and its tag kind weighs little (pgrec.tag_kinds): it says who the member is more
-- than what they like, so it orders projects of their interests instead of filling the page
-- with every beginner's project. Three answers are enough preferences to personalise the
-- first feed before any event.
INSERT INTO pgrec.onboarding_questions (question_id, position, prompt, multiple, questionnaire) VALUES
    ('explore_make', 10, 'What do you make? Pick as many as you like.', true, 'explore'),
    ('explore_tools', 20, 'Which tools do you use?', true, 'explore'),
    ('explore_level', 30, 'How experienced are you?', false, 'explore');

INSERT INTO pgrec.onboarding_options (question_id, option_id, position, label, tags) VALUES
    ('explore_make', 'design', 10, 'Design', '{"category:design": 1}'),
    ('explore_make', 'photography', 20, 'Photography', '{"category:photography": 1}'),
    ('explore_make', 'programming', 30, 'Programming', '{"category:programming": 1}'),
    ('explore_make', 'data', 40, 'Data', '{"category:data": 1}'),
    ('explore_make', 'music', 50, 'Music', '{"category:music": 1}'),
    ('explore_make', 'cooking', 60, 'Cooking', '{"category:cooking": 1}'),
    ('explore_make', 'fitness', 70, 'Fitness', '{"category:fitness": 1}'),
    ('explore_make', 'woodworking', 80, 'Woodworking', '{"category:woodworking": 1}'),
    ('explore_make', 'gardening', 90, 'Gardening', '{"category:gardening": 1}'),
    ('explore_make', 'languages', 100, 'Languages', '{"category:languages": 1}'),
    ('explore_tools', 'figma', 10, 'Figma', '{"tool:figma": 1}'),
    ('explore_tools', 'illustrator', 20, 'Illustrator', '{"tool:illustrator": 1}'),
    ('explore_tools', 'photoshop', 30, 'Photoshop', '{"tool:photoshop": 1}'),
    ('explore_tools', 'procreate', 40, 'Procreate', '{"tool:procreate": 1}'),
    ('explore_tools', 'indesign', 50, 'InDesign', '{"tool:indesign": 1}'),
    ('explore_tools', 'camera', 60, 'Camera', '{"tool:camera": 1}'),
    ('explore_tools', 'lightroom', 70, 'Lightroom', '{"tool:lightroom": 1}'),
    ('explore_tools', 'tripod', 80, 'Tripod', '{"tool:tripod": 1}'),
    ('explore_tools', 'flash', 90, 'Flash', '{"tool:flash": 1}'),
    ('explore_tools', 'python', 100, 'Python', '{"tool:python": 1}'),
    ('explore_tools', 'javascript', 110, 'JavaScript', '{"tool:javascript": 1}'),
    ('explore_tools', 'react', 120, 'React', '{"tool:react": 1}'),
    ('explore_tools', 'git', 130, 'Git', '{"tool:git": 1}'),
    ('explore_tools', 'sql', 140, 'SQL', '{"tool:sql": 1}'),
    ('explore_tools', 'jupyter', 150, 'Jupyter', '{"tool:jupyter": 1}'),
    ('explore_tools', 'pandas', 160, 'pandas', '{"tool:pandas": 1}'),
    ('explore_tools', 'excel', 170, 'Excel', '{"tool:excel": 1}'),
    ('explore_tools', 'guitar', 180, 'Guitar', '{"tool:guitar": 1}'),
    ('explore_tools', 'piano', 190, 'Piano', '{"tool:piano": 1}'),
    ('explore_tools', 'ableton', 200, 'Ableton', '{"tool:ableton": 1}'),
    ('explore_tools', 'synthesizer', 210, 'Synthesizer', '{"tool:synthesizer": 1}'),
    ('explore_tools', 'microphone', 220, 'Microphone', '{"tool:microphone": 1}'),
    ('explore_tools', 'oven', 230, 'Oven', '{"tool:oven": 1}'),
    ('explore_tools', 'wok', 240, 'Wok', '{"tool:wok": 1}'),
    ('explore_tools', 'knife', 250, 'Knife', '{"tool:knife": 1}'),
    ('explore_tools', 'cast-iron', 260, 'Cast iron', '{"tool:cast-iron": 1}'),
    ('explore_tools', 'mixer', 270, 'Mixer', '{"tool:mixer": 1}'),
    ('explore_tools', 'kettlebell', 280, 'Kettlebell', '{"tool:kettlebell": 1}'),
    ('explore_tools', 'yoga-mat', 290, 'Yoga mat', '{"tool:yoga-mat": 1}'),
    ('explore_tools', 'dumbbell', 300, 'Dumbbell', '{"tool:dumbbell": 1}'),
    ('explore_tools', 'running-shoes', 310, 'Running shoes', '{"tool:running-shoes": 1}'),
    ('explore_tools', 'resistance-band', 320, 'Resistance band', '{"tool:resistance-band": 1}'),
    ('explore_tools', 'chisel', 330, 'Chisel', '{"tool:chisel": 1}'),
    ('explore_tools', 'lathe', 340, 'Lathe', '{"tool:lathe": 1}'),
    ('explore_tools', 'saw', 350, 'Saw', '{"tool:saw": 1}'),
    ('explore_tools', 'plane', 360, 'Plane', '{"tool:plane": 1}'),
    ('explore_tools', 'trowel', 370, 'Trowel', '{"tool:trowel": 1}'),
    ('explore_tools', 'pruner', 380, 'Pruner', '{"tool:pruner": 1}'),
    ('explore_tools', 'greenhouse', 390, 'Greenhouse', '{"tool:greenhouse": 1}'),
    ('explore_tools', 'watering-can', 400, 'Watering can', '{"tool:watering-can": 1}'),
    ('explore_tools', 'compost-bin', 410, 'Compost bin', '{"tool:compost-bin": 1}'),
    ('explore_tools', 'flashcards', 420, 'Flashcards', '{"tool:flashcards": 1}'),
    ('explore_tools', 'notebook', 430, 'Notebook', '{"tool:notebook": 1}'),
    ('explore_tools', 'podcast', 440, 'Podcast', '{"tool:podcast": 1}'),
    ('explore_tools', 'dictionary', 450, 'Dictionary', '{"tool:dictionary": 1}'),
    ('explore_tools', 'anki', 460, 'Anki', '{"tool:anki": 1}'),
    ('explore_level', 'beginner', 10, 'Just starting', '{"level:beginner": 0.5}'),
    ('explore_level', 'intermediate', 20, 'I know my way around', '{"level:beginner": 0.25, "level:intermediate": 0.5}'),
    ('explore_level', 'advanced', 30, 'Advanced', '{"level:intermediate": 0.25, "level:advanced": 0.5}');
