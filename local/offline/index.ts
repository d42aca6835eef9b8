/** The offline MSK event source emulator: a Serverless plugin, and its pure parts. */
export { FailureCondition, MSK_OFFLINE_DEFAULTS, StartingPosition } from './constants';
export { InvokeUnavailableError, MskOfflineConfigError, MskOfflineError } from './errors';
export { failedOffsetOf, type Invoke, lambdaInvokeApi } from './invoke';
export { createEmulatorMetrics, type EmulatorMetrics, serveMetrics } from './metrics';
export { buildOnFailureRecord, localFunctionArn, type OnFailureRecordJson } from './on-failure';
export { MskOfflinePlugin } from './plugin';
export {
  afterInvocation,
  type BatchRun,
  nextBatchAction,
  retryDelayMs,
  startBatch,
  startsNextBatch,
} from './policy';
export { readSettings, readTriggers } from './settings';
export type { BatchAction, FailurePolicy, InvocationOutcome, MskTrigger } from './types';
