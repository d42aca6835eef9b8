/**
 * Projects billing.account.events into the accounts of the read model (openings, status
 * changes); balance changes, its own output, are only marked processed.
 * Trigger: MSK, billing.account.events.
 */
import { accountProjector, ProjectorName } from '../lib/ledger';
import { projectorHandler } from '../lib/projection';

export const handler = projectorHandler(accountProjector, { serviceName: ProjectorName.account });
