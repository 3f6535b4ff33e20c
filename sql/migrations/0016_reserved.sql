-- Stand-in for migration 0016, which is written on another branch: migrations are numbered
-- without gaps, and 0017 needs a 0016 before it. It does nothing; the real 0016 replaces it.
SELECT 1;
