/**
 * Projection of billing topics into the PostgreSQL read model, exactly once per consumer: a
 * partition's batch is one transaction (effects, processed markers, outbox rows), set-based. A
 * record that cannot be applied becomes a DeadLetterRecorded (`buildDeadLetter`) in that outbox.
 */
export { loadProjectionSettings, type ProjectionSettings } from './config';
export {
  DEFAULT_POOL_SIZE,
  FIRST_ATTEMPT,
  MAX_FAILURE_MESSAGE_LENGTH,
  METRICS_NAMESPACE,
  ProjectionEnvVariable,
  ProjectionMetric,
} from './constants';
export { buildDeadLetter, deadLetterIdOf } from './dead-letter';
export {
  ProjectionBatchError,
  ProjectionConfigError,
  ProjectionError,
  TransientProjectionError,
} from './errors';
export { coordinatesMarkerId, markerIdOf } from './processed-markers';
export { projectBatch } from './project';
export { reportProjection } from './report';
export { closeProjectionResources, projectionPool, projectionPublisher } from './resources';
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
