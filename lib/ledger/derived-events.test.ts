import { randomUUID } from 'node:crypto';
import {
  type BillingEvent,
  parseEvent,
  RejectionReason,
  type TransactionEvent,
  topicOfEventType,
} from '../../schemas';
import { outboxMessageOf } from '../outbox';
import { eventFactory } from '../projection/testing/events';
import { Direction } from './constants';
import { eventsOfDecision, movementRequestOf } from './movement-events';
import { transactionOutcomeOf } from './transaction-outcomes';
import type { MovementDecision } from './types';

/*
 * The transaction projector's derived events (transfer-leg outcomes and the
 * transaction outcome facts) are
 * published as trusted: without parsing their schema again. These tests prove every shape it can
 * derive schema-valid, and exactly the contract (parsing strips nothing, changes nothing).
 */

const factory = eventFactory();
const account = randomUUID();
const other = randomUUID();
const transferId = randomUUID();

const causes: Record<string, TransactionEvent> = {
  topup: factory.topup(account, 1),
  withdrawal: factory.withdrawal(account, 999_999_999_999_999n),
  refund: factory.refund(account, 250, randomUUID()),
  transferDebit: factory.transferDebit(account, 12_345, transferId, other),
  transferCredit: factory.transferCredit(other, 12_345, transferId, account),
  compensation: factory.compensation(account, 12_345, transferId, randomUUID()),
};

const entries = [
  { ledgerAccount: `customer:${account}`, accountId: account, amount: 999_999_999_999_999n, currency: 'EUR' },
  { ledgerAccount: 'external:EUR', accountId: null, amount: -999_999_999_999_999n, currency: 'EUR' },
] as const;
const decisions: MovementDecision[] = [
  { outcome: 'applied', direction: Direction.credit, entries, balanceAfter: 1_000_000_000_000_000n },
  { outcome: 'applied', direction: Direction.debit, entries, balanceAfter: 0n },
  ...Object.values(RejectionReason).map((reason) => ({ outcome: 'rejected' as const, reason })),
];

const cases = Object.entries(causes).flatMap(([kind, cause]) =>
  decisions.map((decision) => ({
    name: `${kind} ${decision.outcome}${decision.outcome === 'rejected' ? ` (${decision.reason})` : ''}`,
    cause,
    decision,
  })),
);

describe('events derived by the transaction projector', () => {
  it.each(cases)(
    '$name: every derived event is schema-valid and exactly the contract',
    ({ cause, decision }) => {
      // Arrange
      const request = movementRequestOf(cause);

      // Act
      const derived: BillingEvent[] = eventsOfDecision(cause, request, decision);
      if (decision.outcome === 'applied' || decision.outcome === 'rejected')
        derived.push(
          transactionOutcomeOf(cause, { partition: 9, offset: '9223372036854775806' }, request, decision),
        );

      // Assess
      if (decision.outcome === 'applied') expect(derived.length).toBeGreaterThan(0);
      for (const event of derived) {
        const parsed = parseEvent(topicOfEventType(event.eventType), event);
        expect(parsed.ok ? undefined : parsed.error.message).toBeUndefined();
        if (parsed.ok) expect(parsed.event).toStrictEqual(event);
        expect(JSON.parse(outboxMessageOf(event, { topic: 't', partition: 0 }).value)).toStrictEqual(event);
      }
    },
  );
});

describe('the balance after a movement', () => {
  it('is carried by TransactionApplied alone: no AccountBalanceChanged is derived', () => {
    // Arrange
    const cause = causes.topup as TransactionEvent;
    const request = movementRequestOf(cause);
    const decision = decisions[0] as Extract<MovementDecision, { outcome: 'applied' }>;

    // Act
    const derived = eventsOfDecision(cause, request, decision);
    const outcome = transactionOutcomeOf(cause, { partition: 0, offset: '7' }, request, decision);

    // Assess
    expect(derived).toEqual([]);
    expect(outcome.eventType).toBe('TransactionApplied');
    expect(outcome.payload).toMatchObject({ balance: { minorUnits: '1000000000000000', currency: 'EUR' } });
  });
});
