-- Up Migration
-- The exactly-once marker (docs/design.md: Delivery semantics): a consumer records each event it has
-- applied in the same transaction as the effect, so a redelivered record changes nothing.
CREATE TABLE processed_events (
  consumer     text        NOT NULL,
  event_id     uuid        NOT NULL,
  topic        text        NOT NULL,
  partition    integer     NOT NULL CHECK (partition >= 0),
  "offset"     bigint      NOT NULL CHECK ("offset" >= 0),
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

CREATE INDEX processed_events_position ON processed_events (consumer, topic, partition, "offset");

-- Down Migration
DROP TABLE processed_events;
