import { FailureClass, isSagaEvent, SagaEventType, TopicName } from '../../schemas';
import { derivedOutboxMessageOf, type OutboxMessage, type Queryable } from '../outbox';
import { ProjectionMetric } from '../projection/constants';
import type { FreshRecord, ProjectionContext, ProjectionOutput, TopicProjector } from '../projection/types';
import type { WriteBatch } from '../projection/write-batch';
import { TRANSFER_SAGA } from './constants';
import { decideTransfer } from './decider';
import { SagaError } from './errors';
import { accountCurrencies, lockTransfers, upsertTransfers } from './transfer-sql';
import type { TransferState } from './types';

/** Deferral code of a saga step whose transfer request this consumer has not seen. */
export const TRANSFER_NOT_FOUND = 'TRANSFER_NOT_FOUND';

/**
 * The transfer saga as a projector of billing.saga.events, run by the exactly-once runner: per
 * batch, one locking read of the transfers involved, the decider in memory in offset order, one
 * upsert of their final states, and the emitted legs and outcomes through the outbox, all in the
 * batch's transaction with its processed markers.
 */
export const transferSagaProjector: TopicProjector = {
  name: TRANSFER_SAGA,
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
    const currencies = await accountCurrencies(
      db,
      work.flatMap(({ event }) =>
        event.eventType === SagaEventType.transferRequested
          ? [event.payload.fromAccountId, event.payload.toAccountId]
          : [],
      ),
    );

    const touched = new Map<string, TransferState>();
    const outbox: OutboxMessage[] = [];
    const deferred: ProjectionOutput['deferred'][number][] = [];
    const counts: ProjectionOutput['counts'] & Record<string, number> = {};
    const count = (metric: ProjectionMetric) => {
      counts[metric] = (counts[metric] ?? 0) + 1;
    };
    const source = { topic: TopicName.sagaEvents, partition: records[0]?.origin.partition ?? 0 };

    for (const { record, event } of work) {
      const decision = decideTransfer(states.get(event.payload.transferId), event, {
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
};
