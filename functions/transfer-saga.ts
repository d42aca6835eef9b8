/**
 * Runs the transfer saga on billing.saga.events: keeps the `transfers` table and requests the
 * debit, credit and compensation legs (billing.transaction.events) and the outcomes
 * (billing.saga.events) through the outbox. Trigger: MSK, billing.saga.events.
 */
import { projectorHandler } from '../lib/projection';
import { TRANSFER_SAGA, transferSagaProjector } from '../lib/saga';

export const handler = projectorHandler(transferSagaProjector, { serviceName: TRANSFER_SAGA });
