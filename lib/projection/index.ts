/**
 * Projection of billing topics into the PostgreSQL read model, exactly once per consumer: a
 * partition's batch is one transaction (effects, processed markers, outbox rows), set-based. A
 * record that cannot be applied becomes a DeadLetterRecorded (`buildDeadLetter`) in that outbox.
 */
export {
  FIRST_ATTEMPT,
  MAX_FAILURE_MESSAGE_LENGTH,
  METRICS_NAMESPACE,
  ProjectionMetric,
} from './constants';
export { buildDeadLetter, deadLetterIdOf } from './dead-letter';
export {
  ProjectionBatchError,
  ProjectionError,
  TransientProjectionError,
} from './errors';
export { type ProjectorHandlerOptions, projectorHandler } from './handler';
export { coordinatesMarkerId, markerIdOf } from './processed-markers';
export { projectBatch } from './project';
export { reportProjection } from './report';
export { closeHandlerResources, outboxPublisher } from './resources';
export { type ProjectionDependencies, projectMskEvent, projectPartition } from './runner';
export type {
  DeadLetterInput,
  FreshRecord,
  PartitionReport,
  ProjectionContext,
  ProjectionOutput,
  ProjectionReport,
  RecordFailure,
  TopicProjector,
} from './types';
export { WriteBatch } from './write-batch';
