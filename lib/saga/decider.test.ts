import { randomUUID } from 'node:crypto';
import {
  type Currency,
  LATEST_SCHEMA_VERSION,
  parseEvent,
  RejectionReason,
  type SagaEvent,
  SagaEventType,
  TransactionEventType,
  TransferRequestedSchema,
  topicOfEventType,
} from '../../schemas';
import { TransferLeg, TransferStatus } from './constants';
import { decideTransfer, foldTransfer, legTransactionId, sagaEventId } from './decider';
import type { SagaContext, SagaDecision, TransferState } from './types';

// Given the saga events a transfer has seen, when the next one arrives, then the decision.

const transferId = randomUUID();
const from = randomUUID();
const to = randomUUID();
const correlationId = randomUUID();
const NO_ACCOUNTS: SagaContext = { accountCurrencies: new Map() };
let second = 0;

const envelope = () => {
  const eventId = randomUUID();
  second += 1;
  return {
    eventId,
    schemaVersion: LATEST_SCHEMA_VERSION,
    aggregateId: transferId,
    occurredAt: new Date(Date.UTC(2025, 10, 27, 9, 0, second)).toISOString(),
    correlationId,
    causationId: eventId,
  };
};
const eur = (minorUnits: number, currency: Currency = 'EUR') => ({
  minorUnits: String(minorUnits),
  currency,
});

const saga = {
  requested: (amount = 1_000, currency: Currency = 'EUR'): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferRequested,
    payload: { transferId, fromAccountId: from, toAccountId: to, amount: eur(amount, currency) },
  }),
  debited: (): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferDebited,
    payload: {
      transferId,
      debitTransactionId: legTransactionId(transferId, TransferLeg.debit),
      accountId: from,
      amount: eur(1_000),
    },
  }),
  debitRejected: (reason: RejectionReason): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferDebitRejected,
    payload: {
      transferId,
      debitTransactionId: legTransactionId(transferId, TransferLeg.debit),
      accountId: from,
      reason,
    },
  }),
  credited: (): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferCredited,
    payload: {
      transferId,
      creditTransactionId: legTransactionId(transferId, TransferLeg.credit),
      accountId: to,
      amount: eur(1_000),
    },
  }),
  creditRejected: (reason: RejectionReason): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferCreditRejected,
    payload: {
      transferId,
      creditTransactionId: legTransactionId(transferId, TransferLeg.credit),
      accountId: to,
      reason,
    },
  }),
  compensated: (): SagaEvent => ({
    ...envelope(),
    eventType: SagaEventType.transferCompensated,
    payload: {
      transferId,
      compensationTransactionId: legTransactionId(transferId, TransferLeg.compensation),
      accountId: from,
      amount: eur(1_000),
    },
  }),
};

/** The state after `history`, each step required to advance. */
const given = (
  history: readonly SagaEvent[],
  context: SagaContext = NO_ACCOUNTS,
): TransferState | undefined => {
  let state: TransferState | undefined;
  for (const event of history) {
    const decision = decideTransfer(state, event, context);
    if (decision.outcome !== 'advanced') throw new Error(`given: ${event.eventType} did not advance`);
    state = decision.state;
  }
  return state;
};
const when = (history: readonly SagaEvent[], event: SagaEvent, context: SagaContext = NO_ACCOUNTS) =>
  decideTransfer(given(history, context), event, context);
const advanced = (decision: SagaDecision) => {
  if (decision.outcome !== 'advanced') throw new Error(`expected advanced, got ${decision.outcome}`);
  return decision;
};

describe('transfer saga decider', () => {
  it('requests the debit leg on the source account when a transfer is requested', () => {
    // Act
    const decision = advanced(when([], saga.requested()));

    // Assess
    expect(decision.state).toMatchObject({ status: TransferStatus.debiting, amount: 1_000n, reason: null });
    expect(decision.emit).toHaveLength(1);
    expect(decision.emit[0]).toMatchObject({
      eventId: sagaEventId(transferId, TransactionEventType.transferDebitRequested),
      eventType: TransactionEventType.transferDebitRequested,
      correlationId,
      payload: {
        transactionId: legTransactionId(transferId, TransferLeg.debit),
        accountId: from,
        counterpartyAccountId: to,
        amount: eur(1_000),
        transferId,
      },
    });
  });

  it('refuses at the start a transfer whose currency differs from a known account', () => {
    // Prepare
    const context = { accountCurrencies: new Map<string, Currency>([[to, 'USD']]) };

    // Act
    const decision = advanced(when([], saga.requested(1_000, 'EUR'), context));

    // Assess
    expect(decision.state).toMatchObject({
      status: TransferStatus.failed,
      reason: RejectionReason.currencyMismatch,
      compensated: false,
    });
    expect(decision.emit.map((event) => [event.eventType, event.payload])).toEqual([
      [SagaEventType.transferFailed, { transferId, reason: 'currency_mismatch', compensated: false }],
    ]);
  });

  it('requests the credit leg on the destination once the source is debited', () => {
    // Act
    const decision = advanced(when([saga.requested()], saga.debited()));

    // Assess
    expect(decision.state.status).toBe(TransferStatus.crediting);
    expect(decision.emit[0]).toMatchObject({
      eventType: TransactionEventType.transferCreditRequested,
      payload: {
        transactionId: legTransactionId(transferId, TransferLeg.credit),
        accountId: to,
        counterpartyAccountId: from,
      },
    });
  });

  it('completes the transfer once the destination is credited', () => {
    // Act
    const decision = advanced(when([saga.requested(), saga.debited()], saga.credited()));

    // Assess
    expect(decision.state).toMatchObject({ status: TransferStatus.completed, step: 'TransferCredited' });
    expect(decision.state.finishedAt).not.toBeNull();
    expect(decision.emit.map((event) => event.eventType)).toEqual([SagaEventType.transferCompleted]);
  });

  it('fails the transfer with the reason of a rejected debit, with nothing to compensate', () => {
    // Act
    const decision = advanced(
      when([saga.requested()], saga.debitRejected(RejectionReason.insufficientFunds)),
    );

    // Assess
    expect(decision.state).toMatchObject({ status: TransferStatus.failed, reason: 'insufficient_funds' });
    expect(decision.emit.map((event) => [event.eventType, event.payload])).toEqual([
      [SagaEventType.transferFailed, { transferId, reason: 'insufficient_funds', compensated: false }],
    ]);
  });

  it('ignores the outcome of a leg it did not request (another transaction with the transfer id)', () => {
    // Prepare: a credit request written by another producer, rejected by the ledger.
    const forged = (event: SagaEvent): SagaEvent => {
      const payload = { ...(event.payload as Record<string, unknown>) };
      for (const field of ['debitTransactionId', 'creditTransactionId', 'compensationTransactionId'])
        if (field in payload) payload[field] = randomUUID();
      return { ...event, payload } as SagaEvent;
    };
    const crediting = [saga.requested(), saga.debited()];

    // Act
    const rejected = when(crediting, forged(saga.creditRejected(RejectionReason.originalNotFound)));
    const credited = when(crediting, forged(saga.credited()));
    const debited = when([saga.requested()], forged(saga.debited()));

    // Assess
    for (const decision of [rejected, credited, debited]) {
      expect(decision).toMatchObject({
        outcome: 'ignored',
        reason: expect.stringMatching(/not a leg this saga requested/),
      });
    }
    expect(advanced(when(crediting, saga.credited())).state.status).toBe(TransferStatus.completed);
  });

  it('compensates a rejected credit by returning the debit to the source, then fails', () => {
    // Act
    const compensating = advanced(
      when([saga.requested(), saga.debited()], saga.creditRejected(RejectionReason.accountClosed)),
    );
    const done = advanced(
      when(
        [saga.requested(), saga.debited(), saga.creditRejected(RejectionReason.accountClosed)],
        saga.compensated(),
      ),
    );

    // Assess
    expect(compensating.state).toMatchObject({
      status: TransferStatus.compensating,
      reason: 'account_closed',
    });
    expect(compensating.emit[0]).toMatchObject({
      eventType: TransactionEventType.transferCompensationRequested,
      payload: {
        transactionId: legTransactionId(transferId, TransferLeg.compensation),
        accountId: from,
        compensatesTransactionId: legTransactionId(transferId, TransferLeg.debit),
        amount: eur(1_000),
      },
    });
    expect(done.state).toMatchObject({
      status: TransferStatus.failed,
      reason: 'account_closed',
      compensated: true,
    });
    expect(done.emit.map((event) => [event.eventType, event.payload])).toEqual([
      [SagaEventType.transferFailed, { transferId, reason: 'account_closed', compensated: true }],
    ]);
  });

  it('compensates a credit rejected because the destination never opened (out of retries), then fails', () => {
    // Prepare
    const history = [saga.requested(), saga.debited()];
    const unknownDestination = saga.creditRejected(RejectionReason.accountNotFound);

    // Act
    const compensating = advanced(when(history, unknownDestination));
    const redelivered = when([...history, unknownDestination], unknownDestination);
    const done = advanced(when([...history, unknownDestination], saga.compensated()));

    // Assess
    expect(compensating.state).toMatchObject({
      status: TransferStatus.compensating,
      reason: 'account_not_found',
    });
    expect(compensating.emit).toEqual([
      expect.objectContaining({
        eventType: TransactionEventType.transferCompensationRequested,
        payload: expect.objectContaining({
          transactionId: legTransactionId(transferId, TransferLeg.compensation),
          accountId: from,
        }),
      }),
    ]);
    expect(redelivered.outcome).toBe('ignored');
    expect(done.emit.map((event) => [event.eventType, event.payload])).toEqual([
      [SagaEventType.transferFailed, { transferId, reason: 'account_not_found', compensated: true }],
    ]);
  });

  it.each([
    ['a repeated request', [saga.requested()], saga.requested()],
    ['a repeated debit', [saga.requested(), saga.debited()], saga.debited()],
    [
      'a debit rejection after the debit',
      [saga.requested(), saga.debited()],
      saga.debitRejected('insufficient_funds'),
    ],
    ['a repeated credit', [saga.requested(), saga.debited(), saga.credited()], saga.credited()],
    ['a credit before the debit', [saga.requested()], saga.credited()],
    [
      'a compensation of a completed transfer',
      [saga.requested(), saga.debited(), saga.credited()],
      saga.compensated(),
    ],
  ] as const)('ignores %s: one outcome', (_name, history, event) => {
    // Act
    const decision = when(history, event);

    // Assess
    expect(decision.outcome).toBe('ignored');
  });

  it('defers a step of a transfer whose request it has not seen', () => {
    // Act
    const decision = when([], saga.debited());

    // Assess
    expect(decision).toMatchObject({ outcome: 'orphan' });
  });

  it('derives the same events from a redelivered step, and every one is schema-valid', () => {
    // Prepare
    const history = [saga.requested(), saga.debited()];
    const creditRejected = saga.creditRejected(RejectionReason.currencyMismatch);

    // Act
    const first = advanced(when(history, creditRejected));
    const again = advanced(when(history, creditRejected));
    const all = [
      ...advanced(when([], saga.requested())).emit,
      ...advanced(when([saga.requested()], saga.debited())).emit,
      ...first.emit,
      ...advanced(when([...history, creditRejected], saga.compensated())).emit,
      ...advanced(when(history, saga.credited())).emit,
    ];

    // Assess
    expect(again.emit).toEqual(first.emit);
    for (const event of all) {
      expect(parseEvent(topicOfEventType(event.eventType), JSON.stringify(event))).toMatchObject({
        ok: true,
      });
    }
    expect(new Set(all.map((event) => event.eventId)).size).toBe(all.length);
  });

  it('leaves a transfer to the same account or of zero to the request schema, with clear reasons', () => {
    // Prepare
    const same = {
      ...saga.requested(),
      payload: { transferId, fromAccountId: from, toAccountId: from, amount: eur(1) },
    };
    const zero = {
      ...saga.requested(),
      payload: { transferId, fromAccountId: from, toAccountId: to, amount: eur(0) },
    };

    // Act
    const sameResult = TransferRequestedSchema.safeParse(same);
    const zeroResult = TransferRequestedSchema.safeParse(zero);

    // Assess
    expect(sameResult.error?.issues.map((issue) => issue.message)).toEqual([
      'must differ from payload.fromAccountId',
    ]);
    expect(zeroResult.error?.issues.map((issue) => issue.message)).toEqual(['must be greater than zero']);
  });
});

describe('a rebuild folding the saga steps (foldTransfer)', () => {
  /** Every step the live saga took and every event it emitted, in the order of the saga topic. */
  const liveLog = (history: readonly SagaEvent[], context: SagaContext = NO_ACCOUNTS) => {
    const log: SagaEvent[] = [];
    let state: TransferState | undefined;
    for (const event of history) {
      log.push(event);
      const decision = decideTransfer(state, event, context);
      if (decision.outcome !== 'advanced') continue;
      state = decision.state;
      for (const emitted of decision.emit)
        if (topicOfEventType(emitted.eventType) === topicOfEventType(event.eventType))
          log.push(emitted as SagaEvent);
    }
    return { log, state };
  };
  const fold = (log: readonly SagaEvent[]) => {
    let state: TransferState | undefined;
    for (const event of log) {
      const decision = foldTransfer(state, event);
      if (decision.outcome === 'advanced') {
        expect(decision.emit).toEqual([]);
        state = decision.state;
      }
    }
    return state;
  };

  it('gives the live state of a transfer refused for its currency, from its TransferFailed, reading no account', () => {
    // Prepare: refused live because the destination is known in USD
    const live = liveLog([saga.requested(1_000, 'EUR')], {
      accountCurrencies: new Map<string, Currency>([[to, 'USD']]),
    });

    // Act
    const rebuilt = fold(live.log);

    // Assess
    expect(live.state).toMatchObject({
      status: TransferStatus.failed,
      reason: RejectionReason.currencyMismatch,
    });
    expect(rebuilt).toEqual(live.state);
  });

  it.each([
    ['completed', [saga.requested(), saga.debited(), saga.credited()]],
    ['failed on its debit', [saga.requested(), saga.debitRejected(RejectionReason.insufficientFunds)]],
    [
      'compensated',
      [
        saga.requested(),
        saga.debited(),
        saga.creditRejected(RejectionReason.accountNotFound),
        saga.compensated(),
      ],
    ],
  ])('gives the live state of a transfer %s, and emits nothing', (_name, history) => {
    // Prepare
    const live = liveLog(history);

    // Act
    const rebuilt = fold(live.log);

    // Assess
    expect(rebuilt).toEqual(live.state);
  });

  it('ignores a TransferFailed that finds the transfer past its request, as the live saga does', () => {
    // Prepare
    const state = given([saga.requested(), saga.debited()]);
    const failed: SagaEvent = {
      ...saga.requested(),
      eventType: SagaEventType.transferFailed,
      payload: { transferId, reason: RejectionReason.accountClosed, compensated: false },
    };

    // Act
    const decision = foldTransfer(state, failed);

    // Assess
    expect(decision.outcome).toBe('ignored');
  });
});
