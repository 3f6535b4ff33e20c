-- The catalog's two reads find its rows by partial indexes.
--
-- pipeline_definitions holds a version of every file pipeline too (origin 'file'), so at
-- 10,000 file pipelines the catalog's current definitions (DISTINCT ON pipeline_id WHERE
-- origin = 'catalog') and its change count (max(seq) WHERE origin = 'catalog') each read all
-- of them: 13 ms of the server for none found, at every `sluicectl status` and every
-- daemon's catalog poll. The catalog's own rows are few; these indexes hold them alone.
CREATE INDEX pipeline_definitions_catalog_current
    ON pipeline_definitions (pipeline_id, version DESC) WHERE origin = 'catalog';
CREATE INDEX pipeline_definitions_catalog_seq
    ON pipeline_definitions (seq) WHERE origin = 'catalog';
