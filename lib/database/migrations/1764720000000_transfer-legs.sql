-- Up Migration
-- A transfer's credit and compensation are decided against its debit leg, found by transfer id
-- (docs/saga.md): an index of the legs only (other movements have no transfer id).
CREATE INDEX transactions_by_transfer ON transactions (transfer_id) WHERE transfer_id IS NOT NULL;

-- Down Migration
DROP INDEX transactions_by_transfer;
