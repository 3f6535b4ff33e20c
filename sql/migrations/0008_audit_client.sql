-- Changes made through the HTTP API name the token as the actor and the address the request
-- came from; sluicectl's rows leave client NULL (the actor already says user@host).
ALTER TABLE audit_log ADD COLUMN client text;

COMMENT ON COLUMN audit_log.client IS
    'The HTTP client''s address (host:port) for changes made through the API; NULL otherwise.';
