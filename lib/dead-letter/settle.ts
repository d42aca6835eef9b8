import { isTransactionEvent, TopicName } from '../../schemas';
import { decideOutOfRetries, eventsOfDecision, movementRequestOf } from '../ledger';
import { derivedOutboxMessageOf, type OutboxMessage } from '../outbox';
import type { FreshRecord, RecordFailure } from '../projection/types';

/** What a record still deferred on its last attempt settles as, instead of being parked. */
export interface OutOfRetriesSettlement {
  /** The outcome's events, written to the outbox in the re-application's transaction. */
  readonly outbox: readonly OutboxMessage[];
  /** For the letter's history and the operator. */
  readonly reason: string;
}

/** How a topic's records settle when their retries run out; undefined: the letter is parked. */
export type OutOfRetriesSettler = (
  record: FreshRecord,
  failure: RecordFailure,
) => OutOfRetriesSettlement | undefined;

/**
 * A movement out of retries, by the ledger rule `decideOutOfRetries`: a transfer credit leg whose
 * destination never opened is rejected with `account_not_found`, and emits the very
 * TransferCreditRejected the transaction projector emits for any rejected credit (same
 * deterministic id: UUIDv5 of the request's event id and the step), so the saga compensates.
 * No transaction row is written: the account it would belong to does not exist.
 */
export const settleMovementOutOfRetries: OutOfRetriesSettler = (record, failure) => {
  if (!isTransactionEvent(record.event)) return undefined;
  const request = movementRequestOf(record.event);
  const decision = decideOutOfRetries(request, failure);
  if (decision.outcome === 'parked') return undefined;
  const source = { topic: record.origin.topic, partition: record.origin.partition };
  return {
    outbox: eventsOfDecision(record.event, request, decision).map((event) =>
      derivedOutboxMessageOf(event, source),
    ),
    reason: `${decision.reason}: ${request.kind} ${request.transactionId} for account ${request.accountId} rejected after its retries (${failure.code})`,
  };
};

/** The settlers by source topic; records of other topics are parked when their retries run out. */
export const settlerOfTopic: Readonly<Record<string, OutOfRetriesSettler>> = {
  [TopicName.transactionEvents]: settleMovementOutOfRetries,
};
