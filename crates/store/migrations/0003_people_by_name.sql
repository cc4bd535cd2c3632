-- Residents in name order within a subtree: the first page of a large subtree walks this
-- index in order and stops after a page, instead of sorting every resident of the subtree.
CREATE INDEX people_name_path ON people (name_pinyin, home_path);
