-- Stand-in for migration 0017, which is written on another branch: migrations are numbered
-- without gaps, and 0018 needs a 0017 before it. It does nothing; the real 0017 replaces it.
SELECT 1;
