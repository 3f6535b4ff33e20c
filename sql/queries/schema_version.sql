-- Which migrations this database has, when and by whom (`sluicectl db status` shows the same
-- against the migrations a given binary knows).
SELECT version, name, applied_at, applied_by, duration_ms, left(checksum, 12) AS checksum
  FROM schema_migrations
 ORDER BY version;
