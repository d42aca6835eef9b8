import { randomUUID } from 'node:crypto';
import { type OfflineProcess, startOffline } from '../../../local/offline/testing/offline-process';
import { TopicName } from '../../../schemas';
import { connectedAdmin, endOffsets } from '../../kafka/testing/cluster';
import { RunTopics } from '../../kafka/testing/run-topics';
import { ProjectionEnvVariable } from '../../projection/constants';
import { localAuthorization } from './credentials';

const TOPIC_PREFIX_VARIABLE = ProjectionEnvVariable.topicPrefix;

/** The consumer group (stage local) and topic of each function with an MSK trigger. */
const TRIGGERS = {
  accountProjector: { group: 'billing.local.account-projector.v1', topic: TopicName.accountEvents },
  transactionProjector: {
    group: 'billing.local.transaction-projector.v1',
    topic: TopicName.transactionEvents,
  },
  transferSaga: { group: 'billing.local.transfer-saga.v1', topic: TopicName.sagaEvents },
} as const;
export type TriggeredFunction = keyof typeof TRIGGERS;

/** A `sls offline` of an API test or benchmark, on the run's own topics. */
export interface OfflineApi extends OfflineProcess {
  /** The run's topics: the API appends there, the triggers read there; stop() deletes them. */
  readonly topics: RunTopics;
}

/**
 * Starts `sls offline` for API tests and benchmarks, on a run's own topics (RunTopics named after
 * `label`, created here, or `topics` of the caller's, which it deletes itself): the API appends to
 * them and the triggers read them (BILLING_TOPIC_PREFIX), so nothing reaches the billing topics.
 * The functions' database is `databaseUrl`, and the given triggered functions consume with private
 * groups committed at the topics' current end (so they read only what the test appends). With no
 * functions, no trigger runs: only the HTTP API. stop() stops it and deletes the topics it created.
 */
export async function startOfflineApi(options: {
  readonly databaseUrl: string;
  readonly functions: readonly TriggeredFunction[];
  readonly label?: string;
  readonly topics?: RunTopics | undefined;
}): Promise<OfflineApi> {
  const suffix = `.api-${randomUUID().slice(0, 8)}`;
  const admin = await connectedAdmin();
  const topics = options.topics ?? (await RunTopics.create(admin, options.label ?? 'api'));
  const deleteOwnTopics = async () => {
    if (options.topics) return;
    const cleaner = await connectedAdmin();
    try {
      await topics.delete(cleaner);
    } finally {
      await cleaner.disconnect().catch(() => undefined);
    }
  };
  let offline: OfflineProcess;
  try {
    try {
      for (const key of options.functions) {
        const { group, topic } = TRIGGERS[key];
        const ends = await endOffsets(admin, topics.physical(topic));
        await admin.setOffsets({
          groupId: `${group}${suffix}`,
          topic: topics.physical(topic),
          partitions: [...ends].map(([partition, offset]) => ({ partition, offset })),
        });
      }
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    offline = await startOffline({
      env: {
        DATABASE_URL: options.databaseUrl,
        MSK_OFFLINE_GROUP_SUFFIX: suffix,
        // billingApi has no trigger: naming it alone runs no consumer.
        MSK_OFFLINE_FUNCTIONS: ['billingApi', ...options.functions].join(','),
        [TOPIC_PREFIX_VARIABLE]: topics.prefix,
      },
    });
  } catch (error) {
    await deleteOwnTopics().catch(() => undefined);
    throw error;
  }
  return {
    pid: offline.pid,
    output: offline.output,
    metricsUrl: offline.metricsUrl,
    httpUrl: offline.httpUrl,
    topics,
    async stop(graceMs?: number) {
      try {
        await offline.stop(graceMs);
      } finally {
        await deleteOwnTopics().catch(() => undefined);
      }
    },
  };
}

/** Waits until the HTTP API answers (serverless-offline builds the handler on first use). */
export async function waitForApi(baseUrl: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/openapi.json`, {
        headers: { authorization: localAuthorization().alice },
      });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API at ${baseUrl} did not answer in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
