import { randomUUID } from 'node:crypto';
import { type OfflineProcess, startOffline } from '../../../local/offline/testing/offline-process';
import { TopicName } from '../../../schemas';
import { endOffsets, localClient } from '../../kafka/testing/cluster';
import { localAuthorization } from './credentials';

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

/**
 * Starts `sls offline` for API tests: the functions' database is `databaseUrl`, and the given
 * triggered functions consume with private groups committed at the topics' current end (so they
 * read only what the test appends). With no functions, no trigger runs: only the HTTP API.
 */
export async function startOfflineApi(options: {
  readonly databaseUrl: string;
  readonly functions: readonly TriggeredFunction[];
}): Promise<OfflineProcess> {
  const suffix = `.api-${randomUUID().slice(0, 8)}`;
  if (options.functions.length > 0) {
    const admin = (await localClient()).admin();
    await admin.connect();
    try {
      for (const key of options.functions) {
        const { group, topic } = TRIGGERS[key];
        const ends = await endOffsets(admin, topic);
        await admin.setOffsets({
          groupId: `${group}${suffix}`,
          topic,
          partitions: [...ends].map(([partition, offset]) => ({ partition, offset })),
        });
      }
    } finally {
      await admin.disconnect();
    }
  }
  return startOffline({
    env: {
      DATABASE_URL: options.databaseUrl,
      MSK_OFFLINE_GROUP_SUFFIX: suffix,
      // billingApi has no trigger: naming it alone runs no consumer.
      MSK_OFFLINE_FUNCTIONS: ['billingApi', ...options.functions].join(','),
    },
  });
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
