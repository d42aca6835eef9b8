-- Up Migration
-- The answer a command gives once its event is appended, kept when its key is reserved, so that a
-- key whose request ended between the append and the stored answer (a crash, a timeout, a lost
-- connection) gets it anyway once a consumer has recorded the event (docs/api.md).
ALTER TABLE api_idempotency_keys ADD COLUMN accepted_body jsonb;

-- Keys still without an answer, oldest first, for the sweep that completes them.
CREATE INDEX api_idempotency_keys_unanswered ON api_idempotency_keys (created_at) WHERE response_status IS NULL;

-- Down Migration
DROP INDEX api_idempotency_keys_unanswered;
ALTER TABLE api_idempotency_keys DROP COLUMN accepted_body;
