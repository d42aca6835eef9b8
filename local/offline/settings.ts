import { TOPIC_PREFIX_PATTERN } from '../../lib/kafka/topic-prefix';
import { ProjectionEnvVariable } from '../../lib/projection/constants';
import {
  KAFKA_DESTINATION_PREFIX,
  MSK_OFFLINE_DEFAULTS,
  REPORT_BATCH_ITEM_FAILURES,
  StartingPosition,
} from './constants';
import { MskOfflineConfigError } from './errors';
import type { FailurePolicy, MskTrigger } from './types';

/** The parts of a function in serverless.yml the emulator reads. */
export interface FunctionDefinition {
  readonly name?: string;
  readonly events?: readonly { readonly msk?: Record<string, unknown> }[];
}

/** Emulator settings: `custom.mskOffline`, then `MSK_OFFLINE_*` variables for one run. */
export interface MskOfflineSettings {
  readonly brokers: readonly string[];
  /**
   * Everything through the secured listener (`MSK_OFFLINE_SECURE=true`): each trigger reads, and
   * each function writes, as its own SCRAM user, verifying the brokers against the local CA.
   */
  readonly secure: boolean;
  readonly metricsPort: number;
  /** Address the metrics endpoint binds (127.0.0.1; 0.0.0.0 for compose's Prometheus). */
  readonly metricsHost: string;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** Partitions of a trigger invoked at once (default 4; serverless-offline runs a worker per invocation). */
  readonly partitionsConcurrently: number;
  /** Function keys to emulate; all when absent. */
  readonly functions?: readonly string[];
  /** Appended to every consumer group id (tests: a private group per run). */
  readonly groupIdSuffix: string;
  /** Extension properties that override serverless.yml's for this run (tests: fewer retries). */
  readonly failureHandlingOverride: Record<string, unknown>;
  /**
   * A run's topic prefix (`BILLING_TOPIC_PREFIX`, tests and benchmarks: `test.<label>.<id>.`), empty
   * by default: each trigger consumes, and writes its on-failure records to, `<prefix><topic>`, while
   * the MSK events keep serverless.yml's topic names; the functions get the variable too.
   */
  readonly topicPrefix: string;
}

/** The topic a trigger reads, or writes its on-failure records to, for a topic of serverless.yml. */
export const runTopicOf = (settings: Pick<MskOfflineSettings, 'topicPrefix'>, topic: string): string =>
  `${settings.topicPrefix}${topic}`;

const numberOf = (value: unknown, name: string, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new MskOfflineConfigError(`${name} must be a number, not ${String(value)}`);
  return parsed;
};

/** Reads the emulator settings from `custom.mskOffline` and the environment. */
export function readSettings(
  custom: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): MskOfflineSettings {
  const brokers =
    env.MSK_OFFLINE_BROKERS ?? (Array.isArray(custom.brokers) ? custom.brokers.join(',') : custom.brokers);
  const functions =
    env.MSK_OFFLINE_FUNCTIONS ?? (Array.isArray(custom.functions) ? custom.functions.join(',') : undefined);
  let failureHandlingOverride: Record<string, unknown> = {};
  if (env.MSK_OFFLINE_FAILURE_HANDLING) {
    try {
      failureHandlingOverride = JSON.parse(env.MSK_OFFLINE_FAILURE_HANDLING);
    } catch (error) {
      throw new MskOfflineConfigError('MSK_OFFLINE_FAILURE_HANDLING must be a JSON object', { cause: error });
    }
  }
  const secureSetting = String(env.MSK_OFFLINE_SECURE ?? custom.secure ?? 'false');
  if (secureSetting !== 'true' && secureSetting !== 'false') {
    throw new MskOfflineConfigError(`MSK_OFFLINE_SECURE must be true or false, not ${secureSetting}`);
  }
  const secure = secureSetting === 'true';
  const topicPrefix = env[ProjectionEnvVariable.topicPrefix] ?? '';
  if (topicPrefix !== '' && !TOPIC_PREFIX_PATTERN.test(topicPrefix)) {
    throw new MskOfflineConfigError(
      `${ProjectionEnvVariable.topicPrefix} must be Kafka topic characters ending in a dot, not ${topicPrefix}`,
    );
  }
  return {
    brokers:
      typeof brokers === 'string' && brokers.trim() !== ''
        ? brokers.split(',').map((b) => b.trim())
        : [...(secure ? MSK_OFFLINE_DEFAULTS.secureBrokers : MSK_OFFLINE_DEFAULTS.brokers)],
    secure,
    metricsPort: numberOf(
      env.MSK_OFFLINE_METRICS_PORT ?? custom.metricsPort,
      'metricsPort',
      MSK_OFFLINE_DEFAULTS.metricsPort,
    ),
    metricsHost: String(env.MSK_OFFLINE_METRICS_HOST ?? custom.metricsHost ?? '127.0.0.1'),
    retryBaseDelayMs: numberOf(
      env.MSK_OFFLINE_RETRY_BASE_DELAY_MS ?? custom.retryBaseDelayMs,
      'retryBaseDelayMs',
      MSK_OFFLINE_DEFAULTS.retryBaseDelayMs,
    ),
    retryMaxDelayMs: numberOf(
      custom.retryMaxDelayMs,
      'retryMaxDelayMs',
      MSK_OFFLINE_DEFAULTS.retryMaxDelayMs,
    ),
    partitionsConcurrently: numberOf(custom.partitionsConcurrently, 'partitionsConcurrently', 4),
    ...(functions ? { functions: functions.split(',').map((name) => name.trim()) } : {}),
    groupIdSuffix: env.MSK_OFFLINE_GROUP_SUFFIX ?? '',
    failureHandlingOverride,
    topicPrefix,
  };
}

/** `AccountProjector`, as the framework normalises a function key in logical ids. */
const normalizedFunctionName = (key: string): string =>
  `${key.charAt(0).toUpperCase()}${key.slice(1)}`.replace(/-/g, 'Dash').replace(/_/g, 'Underscore');
const alphaNumeric = (text: string): string => text.replace(/[^0-9A-Za-z]/g, '');

/**
 * The extension properties of a trigger: the `resources.extensions` entry whose logical id is the
 * framework's for this function's MSK event on this topic
 * (`<Function>EventSourceMappingMSK<cluster><topic>`).
 */
function extensionOf(
  functionKey: string,
  topic: string,
  extensions: Record<string, unknown>,
): Record<string, unknown> {
  const prefix = `${normalizedFunctionName(functionKey)}EventSourceMappingMSK`;
  const suffix = alphaNumeric(topic).slice(0, 79);
  const entry = Object.entries(extensions).find(
    ([id]) => id.startsWith(prefix) && id.toLowerCase().endsWith(suffix.toLowerCase()),
  );
  const properties = (entry?.[1] as { Properties?: Record<string, unknown> } | undefined)?.Properties;
  return properties ?? {};
}

function policyOf(
  properties: Record<string, unknown>,
  settings: MskOfflineSettings,
  where: string,
): FailurePolicy {
  const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)
    ?.OnFailure?.Destination;
  if (
    destination !== undefined &&
    (typeof destination !== 'string' || !destination.startsWith(KAFKA_DESTINATION_PREFIX))
  ) {
    throw new MskOfflineConfigError(
      `${where}: only a ${KAFKA_DESTINATION_PREFIX} on-failure destination runs offline, not ${String(destination)}`,
    );
  }
  const responseTypes = properties.FunctionResponseTypes;
  return {
    maximumRetryAttempts: numberOf(properties.MaximumRetryAttempts, `${where} MaximumRetryAttempts`, -1),
    maximumRecordAgeSeconds: numberOf(
      properties.MaximumRecordAgeInSeconds,
      `${where} MaximumRecordAgeInSeconds`,
      -1,
    ),
    bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError === true,
    reportBatchItemFailures:
      Array.isArray(responseTypes) && responseTypes.includes(REPORT_BATCH_ITEM_FAILURES),
    ...(typeof destination === 'string'
      ? { onFailureTopic: runTopicOf(settings, destination.slice(KAFKA_DESTINATION_PREFIX.length)) }
      : {}),
    retryBaseDelayMs: settings.retryBaseDelayMs,
    retryMaxDelayMs: settings.retryMaxDelayMs,
  };
}

/** Every enabled `msk` event of the service's functions, as triggers the emulator runs. */
export function readTriggers(options: {
  readonly functions: Readonly<Record<string, FunctionDefinition>>;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly settings: MskOfflineSettings;
}): MskTrigger[] {
  const { settings } = options;
  const triggers: MskTrigger[] = [];
  for (const [functionKey, definition] of Object.entries(options.functions)) {
    if (settings.functions && !settings.functions.includes(functionKey)) continue;
    for (const event of definition.events ?? []) {
      const msk = event.msk;
      if (!msk || msk.enabled === false) continue;
      const where = `function ${functionKey}, msk trigger`;
      const topic = msk.topic;
      if (typeof topic !== 'string') throw new MskOfflineConfigError(`${where}: no topic`);
      const startingPosition = msk.startingPosition ?? StartingPosition.latest;
      if (startingPosition !== StartingPosition.trimHorizon && startingPosition !== StartingPosition.latest) {
        throw new MskOfflineConfigError(
          `${where} on ${topic}: startingPosition ${String(startingPosition)} does not run offline`,
        );
      }
      const properties = {
        ...extensionOf(functionKey, topic, options.extensions),
        ...settings.failureHandlingOverride,
      };
      triggers.push({
        functionKey,
        functionName: definition.name ?? functionKey,
        topic: runTopicOf(settings, topic),
        eventTopic: topic,
        consumerGroupId: `${typeof msk.consumerGroupId === 'string' ? msk.consumerGroupId : `${functionKey}.${topic}`}${settings.groupIdSuffix}`,
        startingPosition,
        batchSize: numberOf(msk.batchSize, `${where} batchSize`, 100),
        maximumBatchingWindowSeconds: numberOf(
          msk.maximumBatchingWindow,
          `${where} maximumBatchingWindow`,
          0,
        ),
        policy: policyOf(properties, settings, `${where} on ${topic}`),
      });
    }
  }
  return triggers;
}
