import { localClient } from '../../lib/kafka/testing/cluster';
import { readBillingTopicEnds, serializeTopicEndsRecord } from '../../lib/kafka/testing/topic-ends';
import { SUITE_TOPIC_ENDS_VARIABLE } from './constants';

/**
 * The integration project's globalSetup (jest.config.js): records the end offsets of every
 * `billing.*` topic before any test file runs, for the check that jest.sequencer.js runs last
 * (billing-topics-untouched.integration.test.ts). It never throws: a failing globalSetup would stop
 * the whole run, so a failure to read is recorded, and the check reports it.
 */
export default async function recordBillingTopicEnds(): Promise<void> {
  const recordedAt = new Date().toISOString();
  try {
    const ends = await readBillingTopicEnds(await localClient());
    process.env[SUITE_TOPIC_ENDS_VARIABLE] = serializeTopicEndsRecord({ recordedAt, ends });
  } catch (error) {
    process.env[SUITE_TOPIC_ENDS_VARIABLE] = serializeTopicEndsRecord({
      recordedAt,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
