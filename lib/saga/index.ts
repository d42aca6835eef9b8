/**
 * The transfer saga (docs/design.md: Transfers): a pure decider over the saga events of
 * billing.saga.events, and its projector that keeps the `transfers` table and emits the legs.
 */
export {
  PENDING_TRANSFER_STATUSES,
  TRANSFER_REBUILD,
  TRANSFER_SAGA,
  TransferLeg,
  TransferStatus,
} from './constants';
export { decideTransfer, foldTransfer, legTransactionId, refusalOf, sagaEventId } from './decider';
export { SagaError } from './errors';
export { transferRebuildProjector, transferSagaProjector } from './projector';
export type { SagaCommand, SagaContext, SagaDecision, TransferState } from './types';
