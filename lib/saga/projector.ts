import { FailureClass, isSagaEvent, type SagaEvent, SagaEventType, TopicName } from '../../schemas';
import type { Queryable } from '../database';
import { derivedOutboxMessageOf, type OutboxMessage } from '../outbox';
import { ProjectionMetric } from '../projection/constants';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from '../projection/types';
import type { WriteBatch } from '../projection/write-batch';
import { TRANSFER_REBUILD, TRANSFER_SAGA } from './constants';
import { decideTransfer, foldTransfer } from './decider';
import { SagaError } from './errors';
import { accountCurrencies, lockTransfers, upsertTransfers } from './transfer-sql';
import type { SagaContext, SagaDecision, TransferState } from './types';

/** Deferral code of a saga step whose transfer request this consumer has not seen. */
export const TRANSFER_NOT_FOUND = 'TRANSFER_NOT_FOUND';

/** How a transfer projector decides a step: the live saga's rule, or a rebuild's fold. */
interface TransferRule {
  /** Consumer name: processed markers, outbox producer, dead-letter handler. */
  readonly name: string;
  /** Whether the rule reads the accounts' currencies (the live saga refuses a mismatch). */
  readonly readsCurrencies: boolean;
  decide(state: TransferState | undefined, event: SagaEvent, context: SagaContext): SagaDecision;
}

/**
 * A projector of billing.saga.events, run by the exactly-once runner: per batch, one locking read
 * of the transfers involved, the rule in memory in offset order, one upsert of their final states,
 * and the emitted legs and outcomes through the outbox, all in the batch's transaction with its
 * processed markers.
 */
const transferProjectorOf = (rule: TransferRule): TopicProjector => ({
  name: rule.name,
  topic: TopicName.sagaEvents,

  async project(
    db: Queryable,
    records: readonly FreshRecord[],
    writes: WriteBatch,
    context: ProjectionContext,
  ): Promise<ProjectionOutput> {
    const work = records.map((record) => {
      if (!isSagaEvent(record.event)) {
        throw new SagaError(`${record.event.eventType} is not a saga event (${record.origin.topic})`);
      }
      return { record, event: record.event };
    });
    const states = await lockTransfers(
      db,
      work.map(({ event }) => event.payload.transferId),
    );
    const currencies = rule.readsCurrencies
      ? await accountCurrencies(
          db,
          work.flatMap(({ event }) =>
            event.eventType === SagaEventType.transferRequested
              ? [event.payload.fromAccountId, event.payload.toAccountId]
              : [],
          ),
        )
      : new Map();

    const touched = new Map<string, TransferState>();
    const outbox: OutboxMessage[] = [];
    const deferred: ProjectionOutput['deferred'][number][] = [];
    const counts: ProjectionOutput['counts'] & Record<string, number> = {};
    const count = (metric: ProjectionMetric) => {
      counts[metric] = (counts[metric] ?? 0) + 1;
    };
    const source = { topic: TopicName.sagaEvents, partition: records[0]?.origin.partition ?? 0 };

    for (const { record, event } of work) {
      const decision = rule.decide(states.get(event.payload.transferId), event, {
        accountCurrencies: currencies,
      });
      switch (decision.outcome) {
        case 'advanced':
          count(ProjectionMetric.sagaStepsApplied);
          states.set(decision.state.transferId, decision.state);
          touched.set(decision.state.transferId, decision.state);
          for (const emitted of decision.emit) outbox.push(derivedOutboxMessageOf(emitted, source));
          break;
        case 'ignored':
          count(ProjectionMetric.sagaStepsIgnored);
          context.logger.debug('Saga event ignored', { eventId: event.eventId, reason: decision.reason });
          break;
        case 'orphan':
          deferred.push({
            record,
            failure: {
              failureClass: FailureClass.deferred,
              code: TRANSFER_NOT_FOUND,
              message: decision.message,
            },
          });
          break;
        default: {
          const unknown: never = decision;
          throw new SagaError(`Unknown saga decision ${JSON.stringify(unknown)}`);
        }
      }
    }

    upsertTransfers(writes, [...touched.values()]);
    return { outbox, deferred, counts };
  },
});

/** The transfer saga: decides each step, requests the legs and announces the outcome. */
export const transferSagaProjector = transferProjectorOf({
  name: TRANSFER_SAGA,
  readsCurrencies: true,
  decide: decideTransfer,
});

/**
 * A rebuild's transfers: the saga's states folded from billing.saga.events, which holds every step
 * and outcome as a fact. It emits nothing and reads no other table: a transfer refused live for its
 * currency is failed by its TransferFailed (docs/projection.md#rebuild).
 */
export const transferRebuildProjector = transferProjectorOf({
  name: TRANSFER_REBUILD,
  readsCurrencies: false,
  decide: (state, event) => foldTransfer(state, event),
});
