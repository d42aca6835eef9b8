-- Up Migration
-- The transfer saga's state (docs/design.md: Transfers), one row per transfer, kept by the transfer-saga
-- consumer of billing.saga.events. Times come from the events, so a replay writes the same rows.

CREATE TABLE transfers (
  transfer_id     uuid        PRIMARY KEY,
  from_account_id uuid        NOT NULL,
  to_account_id   uuid        NOT NULL,
  amount_minor    bigint      NOT NULL CHECK (amount_minor > 0),
  currency        char(3)     NOT NULL,
  status          text        NOT NULL
    CHECK (status IN ('requested', 'debiting', 'crediting', 'compensating', 'completed', 'failed')),
  -- The saga event that last advanced the transfer (TransferRequested, TransferDebited, ...).
  step            text        NOT NULL,
  -- Why the transfer failed, or why it is being compensated (a RejectionReason).
  reason          text,
  -- Whether a debited amount was returned to the source (a failed transfer with no money moved: false).
  compensated     boolean     NOT NULL DEFAULT false,
  correlation_id  uuid        NOT NULL,
  requested_at    timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  finished_at     timestamptz,
  CHECK (from_account_id <> to_account_id),
  CHECK ((status IN ('failed', 'compensating')) = (reason IS NOT NULL)),
  CHECK ((status IN ('completed', 'failed')) = (finished_at IS NOT NULL))
);

-- Pending transfers (money possibly in flight), oldest first.
CREATE INDEX transfers_pending ON transfers (requested_at)
  WHERE status IN ('requested', 'debiting', 'crediting', 'compensating');

-- An account's transfers, either side.
CREATE INDEX transfers_by_source ON transfers (from_account_id);
CREATE INDEX transfers_by_destination ON transfers (to_account_id);

-- Down Migration
DROP TABLE transfers;
