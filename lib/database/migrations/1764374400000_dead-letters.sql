-- Up Migration
-- Dead letters (docs/design.md: Dead letters): every record that could not be applied, once per source
-- record, until it is applied (resolved), parked for a person, or discarded by one. Nothing is
-- deleted: every attempt and operator action is a row of dead_letter_actions.
CREATE TABLE dead_letters (
  id               uuid        PRIMARY KEY,
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL CHECK (source_partition >= 0),
  source_offset    bigint      NOT NULL CHECK (source_offset >= 0),
  -- The source record as delivered: base64 key and value, headers [{key, value(base64|null)}].
  source_key       text,
  source_value     text,
  source_headers   jsonb       NOT NULL,
  source_timestamp timestamptz NOT NULL,
  -- 'envelope' (our DeadLetterRecorded) or 'lambda-on-failure' (the trigger's native record).
  origin           text        NOT NULL CHECK (origin IN ('envelope', 'lambda-on-failure', 'invalid')),
  handler          text        NOT NULL,
  failure_class    text        NOT NULL CHECK (failure_class IN ('permanent', 'deferred', 'transient')),
  failure_code     text        NOT NULL,
  failure_message  text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('received', 'retrying', 'resolved', 'parked', 'discarded')),
  attempts         integer     NOT NULL CHECK (attempts >= 0),
  next_attempt_at  timestamptz,
  -- The retrier that holds the letter until next_attempt_at (pushed forward when it is claimed).
  lease_token      uuid,
  -- 'dead-letter': the handler's processed marker of this record stands for its dead-lettering
  -- and must be cleared before a re-application; 'cleared': any marker present was written by
  -- someone else (docs/dead-letters.md).
  marker_state     text        NOT NULL CHECK (marker_state IN ('dead-letter', 'cleared')),
  park_reason      text,
  received_at      timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  -- Where the letter itself was read (billing.dead-letter coordinates).
  letter_partition integer,
  letter_offset    bigint,
  UNIQUE (source_topic, source_partition, source_offset)
);

CREATE INDEX dead_letters_due ON dead_letters (next_attempt_at) WHERE status IN ('received', 'retrying');
CREATE INDEX dead_letters_status ON dead_letters (status, received_at);

CREATE TABLE dead_letter_actions (
  position       bigserial   PRIMARY KEY,
  dead_letter_id uuid        NOT NULL REFERENCES dead_letters (id),
  -- received, attempt, parked, replay, discard
  action         text        NOT NULL,
  outcome        text        NOT NULL,
  actor          text        NOT NULL,
  reason         text,
  attempt        integer,
  at             timestamptz NOT NULL
);

CREATE INDEX dead_letter_actions_letter ON dead_letter_actions (dead_letter_id, position);

-- Down Migration
DROP TABLE dead_letter_actions;
DROP TABLE dead_letters;
