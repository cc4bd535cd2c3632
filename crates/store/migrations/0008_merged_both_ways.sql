-- The appeal page links a merge both ways (issue 10): an appeal lists those merged into it.
CREATE INDEX appeals_merged ON appeals (merged_into);
