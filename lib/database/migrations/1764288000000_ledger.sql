-- Up Migration
-- The ledger read model (docs/design.md: Ledger rules). Amounts are bigint minor units (never floats):
-- every amount and balance is bounded by 10^15, so sums of entries cannot overflow.

CREATE TABLE accounts (
  account_id    uuid        PRIMARY KEY,
  customer_id   uuid        NOT NULL,
  currency      char(3)     NOT NULL,
  status        text        NOT NULL CHECK (status IN ('active', 'suspended', 'closed')),
  -- Stored for reads; always equal to the sum of the account's ledger entries.
  balance_minor bigint      NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
  -- Incremented by every change: opening (1), status change, applied movement.
  version       bigint      NOT NULL CHECK (version >= 1),
  opened_at     timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

-- Every requested movement and its outcome; a rejected request is recorded with its reason.
CREATE TABLE transactions (
  transaction_id          uuid        PRIMARY KEY,
  account_id              uuid        NOT NULL REFERENCES accounts (account_id),
  kind                    text        NOT NULL CHECK (kind IN ('topup', 'withdrawal', 'refund', 'transfer_debit', 'transfer_credit', 'transfer_compensation')),
  amount_minor            bigint      NOT NULL CHECK (amount_minor > 0),
  currency                char(3)     NOT NULL,
  status                  text        NOT NULL CHECK (status IN ('applied', 'rejected')),
  rejection_reason        text,
  -- The balance right after an applied movement.
  balance_after_minor     bigint      CHECK (balance_after_minor >= 0),
  -- A refund's original topup, a compensation's debit leg.
  original_transaction_id uuid,
  transfer_id             uuid,
  -- How much of this transaction later movements took back (refunds of a topup, compensation of a debit).
  reversed_minor          bigint      NOT NULL DEFAULT 0 CHECK (reversed_minor >= 0 AND reversed_minor <= amount_minor),
  event_id                uuid        NOT NULL,
  occurred_at             timestamptz NOT NULL,
  source_partition        integer     NOT NULL,
  source_offset           bigint      NOT NULL,
  CHECK ((status = 'rejected') = (rejection_reason IS NOT NULL)),
  CHECK ((status = 'applied') = (balance_after_minor IS NOT NULL))
);

-- An account's transactions, newest first.
CREATE INDEX transactions_by_account_newest ON transactions (account_id, occurred_at DESC, transaction_id DESC);

-- Double entry: each applied movement writes entries summing to zero per currency. Ledger accounts
-- are `customer:<account id>` or system accounts (`external:<currency>`, `transfers-in-flight:<currency>`).
-- No foreign keys here: entries are only written with their transaction, in the same statement,
-- and per-row FK triggers were a third of the write cost; the invariant tests check the links.
CREATE TABLE ledger_entries (
  transaction_id uuid    NOT NULL,
  ledger_account text    NOT NULL,
  -- The customer account of a customer entry; null for system ledger accounts.
  account_id     uuid,
  amount_minor   bigint  NOT NULL CHECK (amount_minor <> 0),
  currency       char(3) NOT NULL,
  PRIMARY KEY (transaction_id, ledger_account)
);

-- An account's balance from its entries (the stored balance must equal it).
CREATE INDEX ledger_entries_by_account ON ledger_entries (account_id) WHERE account_id IS NOT NULL;

-- Events to publish after commit, written in the same transaction as the effect that caused them.
-- Rows of one source partition get increasing positions (its batches run one at a time).
CREATE TABLE outbox (
  position         bigint      GENERATED ALWAYS AS IDENTITY,
  event_id         uuid        PRIMARY KEY,
  producer         text        NOT NULL,
  topic            text        NOT NULL,
  message_key      text        NOT NULL,
  event_type       text        NOT NULL,
  -- The event as JSON text, published (after validation) by the event store.
  value            text        NOT NULL,
  headers          jsonb       NOT NULL,
  -- The record that caused it: unpublished rows are retried by the next batch of that partition.
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL,
  created_at       timestamptz NOT NULL
);

CREATE INDEX outbox_by_source ON outbox (producer, source_topic, source_partition, position);

-- How far each source partition's outbox rows are published: every row at or below the position
-- is. One row per partition updated per batch, instead of every outbox row.
CREATE TABLE outbox_published (
  producer         text        NOT NULL,
  source_topic     text        NOT NULL,
  source_partition integer     NOT NULL,
  position         bigint      NOT NULL,
  published_at     timestamptz NOT NULL,
  PRIMARY KEY (producer, source_topic, source_partition)
);

-- Down Migration
DROP TABLE outbox_published;
DROP TABLE outbox;
DROP TABLE ledger_entries;
DROP TABLE transactions;
DROP TABLE accounts;
