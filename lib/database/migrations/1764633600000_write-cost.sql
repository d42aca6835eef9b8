-- Up Migration
-- Less work per projected event (docs/benchmarks.md: Projection). No query reads processed markers
-- by position (a marker is looked up by consumer and event id), so their position index goes.
-- Outbox headers are stored and handed back, never queried: json (checked, kept as text) instead
-- of jsonb (parsed and re-encoded on every insert).
DROP INDEX processed_events_position;
ALTER TABLE outbox ALTER COLUMN headers TYPE json USING headers::json;

-- Down Migration
ALTER TABLE outbox ALTER COLUMN headers TYPE jsonb USING headers::jsonb;
CREATE INDEX processed_events_position ON processed_events (consumer, topic, partition, "offset");
