/**
 * Projection of billing topics into the PostgreSQL read model, exactly once per consumer: a
 * partition's batch is one transaction (effects, processed markers, outbox rows), set-based.
 */
export { accountProjector } from './account-projector';
export { loadProjectionSettings, type ProjectionSettings } from './config';
export {
  DEFAULT_POOL_SIZE,
  METRICS_NAMESPACE,
  ProjectionEnvVariable,
  ProjectionMetric,
  ProjectorName,
} from './constants';
export {
  ProjectionBatchError,
  ProjectionConfigError,
  ProjectionError,
  TransientProjectionError,
} from './errors';
export { type ProjectorHandlerOptions, projectorHandler } from './handler';
export { transactionOutcomeProjector } from './outcome-projector';
export { coordinatesMarkerId, markerIdOf } from './processed-markers';
export { projectBatch } from './project';
export { reportProjection } from './report';
export { closeProjectionResources, projectionPool, projectionPublisher } from './resources';
export { type ProjectionDependencies, projectMskEvent, projectPartition } from './runner';
export { transactionOutcomeOf } from './transaction-outcomes';
export { eventsOfDecision, movementRequestOf, transactionProjector } from './transaction-projector';
export type {
  FreshRecord,
  PartitionReport,
  ProjectionContext,
  ProjectionOutput,
  ProjectionReport,
  TopicProjector,
} from './types';
export { WriteBatch } from './write-batch';
