import { localClient } from '../../lib/kafka/testing/cluster';
import {
  describeTopicEndChanges,
  parseTopicEndsRecord,
  readBillingTopicEnds,
  topicEndChanges,
} from '../../lib/kafka/testing/topic-ends';
import { SUITE_ORDER_VARIABLE, SUITE_TOPIC_ENDS_VARIABLE, type SuiteOrder } from './constants';

/*
 * The whole-suite check (docs/testing.md: Topics): after every other test file of the run, the
 * `billing.*` topics hold exactly what they held when it started. The integration project's
 * globalSetup (record-billing-topics.ts) recorded their end offsets; jest.sequencer.js runs this
 * file last. Run alone, it compares around nothing, and its title says so.
 */

const order = JSON.parse(process.env[SUITE_ORDER_VARIABLE] ?? 'null') as SuiteOrder | null;
const recorded = process.env[SUITE_TOPIC_ENDS_VARIABLE];

const title =
  order === null
    ? 'hold what they held at the start of the run (the run order is unknown: jest.sequencer.js did not run)'
    : order.filesBefore === 0
      ? 'hold what they held at the start of the run (run alone: compared around no other test file)'
      : `hold what they held at the start of the run, after the ${order.filesBefore} test file(s) before this one`;

describe('the billing.* topics after the whole run', () => {
  it(title, async () => {
    // Prepare: the record of the run's start
    if (order === null)
      throw new Error(
        `no ${SUITE_ORDER_VARIABLE}: jest ran without jest.sequencer.js, so this check may not be the last file`,
      );
    if (!order.inBand)
      throw new Error(
        'the test files ran in parallel: run them one at a time (--runInBand, as npm test does), or the check sees writes of tests still running',
      );
    if (recorded === undefined)
      throw new Error(
        `no record of the billing topics' end offsets from this run (${SUITE_TOPIC_ENDS_VARIABLE}): the integration project's globalSetup (local/suite/record-billing-topics.ts, jest.config.js) did not run`,
      );
    const record = parseTopicEndsRecord(recorded);
    if ('error' in record)
      throw new Error(
        `the billing topics' end offsets could not be read at the start of the run (${record.recordedAt}): ${record.error}`,
      );

    // Act
    const now = await readBillingTopicEnds(await localClient());

    // Assess: every topic-partition that moved is named, with how far
    const changes = topicEndChanges(record.ends, now);
    const report = describeTopicEndChanges(changes);
    if (report !== undefined)
      throw new Error(
        `${report}\nA test or benchmark of this run wrote to them: give it topics of its own (docs/testing.md: Topics). (Or something outside the run did, e.g. npm start on the same cluster.)`,
      );
    expect(Object.keys(now).length).toBeGreaterThan(0);
  });
});
