-- Up Migration
-- Idempotency-Keys of the billing API's commands (docs/api.md). A key is per caller: the
-- request it was first used with (its hash), the event ids derived from it and, once the event is
-- appended, the answer that every retry gets again. A retry with another body is refused (409).
CREATE TABLE api_idempotency_keys (
  principal       text        NOT NULL,
  idempotency_key text        NOT NULL,
  -- "POST /accounts/…/topups": for people reading the table; the hash covers it too.
  operation       text        NOT NULL,
  -- SHA-256 (hex) of method, path and canonical JSON body.
  request_hash    text        NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  event_id        uuid        NOT NULL,
  aggregate_id    uuid        NOT NULL,
  -- Null until the event is appended: a retry then appends it again (same id, applied once).
  response_status integer,
  response_body   jsonb,
  created_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  PRIMARY KEY (principal, idempotency_key),
  CHECK ((response_status IS NULL) = (completed_at IS NULL))
);

-- Old keys, for a later clean-up.
CREATE INDEX api_idempotency_keys_created ON api_idempotency_keys (created_at);

-- Down Migration
DROP TABLE api_idempotency_keys;
