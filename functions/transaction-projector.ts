/**
 * Projects billing.transaction.events into the ledger read model (topups, withdrawals, refunds,
 * transfer legs), emitting balance changes and transfer-leg outcomes through the outbox.
 * Trigger: MSK, billing.transaction.events.
 */
import { ProjectorName, transactionProjector } from '../lib/ledger';
import { projectorHandler } from '../lib/projection';

export const handler = projectorHandler(transactionProjector, { serviceName: ProjectorName.transaction });
