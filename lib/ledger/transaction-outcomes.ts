import {
  LATEST_SCHEMA_VERSION,
  type TransactionEvent,
  type TransactionOutcome,
  TransactionOutcomeType,
} from '../../schemas';
import type { MskRecordOrigin } from '../msk';
import { derivedEventId } from '../outbox';
import { originalIdOf, transferIdOf } from './movement-rules';
import type { MovementDecision, MovementRequest } from './types';

type Decided = Extract<MovementDecision, { readonly outcome: 'applied' | 'rejected' }>;

/**
 * The fact of a decided movement, for billing.transaction.outcomes: everything the transaction row,
 * its ledger entries and the account's balance get from the decision, so that a rebuild applies it
 * and never decides again (docs/projection.md: Rebuild). Written only with a transaction row: a
 * credit given up after its retries for an account that never opened has no row and no fact (its
 * outcome is the saga's TransferCreditRejected). Deterministic: the id is UUIDv5 of the request's
 * event id and the outcome type, the time is the request's.
 */
export function transactionOutcomeOf(
  cause: TransactionEvent,
  origin: Pick<MskRecordOrigin, 'partition' | 'offset'>,
  request: MovementRequest,
  decision: Decided,
): TransactionOutcome {
  const originalTransactionId = originalIdOf(request);
  const transferId = transferIdOf(request);
  const common = {
    transactionId: request.transactionId,
    accountId: request.accountId,
    kind: request.kind,
    amount: { minorUnits: request.amount.toString(), currency: request.currency },
    ...(originalTransactionId === undefined ? {} : { originalTransactionId }),
    ...(transferId === null ? {} : { transferId }),
    request: { partition: origin.partition, offset: origin.offset },
  };
  const envelope = (eventType: TransactionOutcomeType) => ({
    eventId: derivedEventId(cause.eventId, eventType),
    schemaVersion: LATEST_SCHEMA_VERSION,
    aggregateId: request.transactionId,
    occurredAt: cause.occurredAt,
    correlationId: cause.correlationId,
    causationId: cause.eventId,
  });
  if (decision.outcome === 'rejected') {
    return {
      ...envelope(TransactionOutcomeType.transactionRejected),
      eventType: TransactionOutcomeType.transactionRejected,
      payload: { ...common, reason: decision.reason },
    };
  }
  return {
    ...envelope(TransactionOutcomeType.transactionApplied),
    eventType: TransactionOutcomeType.transactionApplied,
    payload: {
      ...common,
      direction: decision.direction,
      balance: { minorUnits: decision.balanceAfter.toString(), currency: request.currency },
      entries: decision.entries.map((entry) => ({
        ledgerAccount: entry.ledgerAccount,
        accountId: entry.accountId,
        amount: { minorUnits: entry.amount.toString(), currency: entry.currency },
      })),
    },
  };
}
