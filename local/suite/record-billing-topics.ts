import { localClient } from '../../lib/kafka/testing/cluster';
import { readBillingTopicEnds, serializeTopicEndsRecord } from '../../lib/kafka/testing/topic-ends';
import { SUITE_TOPIC_ENDS_VARIABLE } from './constants';

/** How long the record may take: a cluster that is down would otherwise hold the run in retries. */
const RECORD_TIMEOUT_MS = 60_000;

/**
 * The integration project's globalSetup (jest.config.js): records the end offsets of every
 * `billing.*` topic before any test file runs, for the check that jest.sequencer.js runs last
 * (billing-topics-untouched.integration.test.ts). It never throws: a failing globalSetup would stop
 * the whole run, so a failure to read is recorded, and the check reports it.
 */
export default async function recordBillingTopicEnds(): Promise<void> {
  const recordedAt = new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  try {
    const ends = await Promise.race([
      readBillingTopicEnds(await localClient()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not read within ${RECORD_TIMEOUT_MS / 1000} s (is the stack up?)`)),
          RECORD_TIMEOUT_MS,
        );
      }),
    ]);
    process.env[SUITE_TOPIC_ENDS_VARIABLE] = serializeTopicEndsRecord({ recordedAt, ends });
  } catch (error) {
    process.env[SUITE_TOPIC_ENDS_VARIABLE] = serializeTopicEndsRecord({
      recordedAt,
      error: error instanceof Error ? error.message : String(error),
    });
  } finally {
    clearTimeout(timer);
  }
}
