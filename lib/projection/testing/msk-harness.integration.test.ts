import { TopicName } from '../../../schemas';
import { notLeaderError } from '../../kafka/testing/kafka-errors';
import { MskHarness } from './msk-harness';

jest.setTimeout(60_000);

// On the run's own copies of the billing topics (docs/testing.md: Topics), which stop() deletes.
describe('MskHarness on the real cluster', () => {
  let harness: MskHarness;

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('msk-harness');
  });

  afterAll(async () => {
    await harness?.stop();
  });

  it('reads end offsets through a leader move (a broker answering "not the leader")', async () => {
    // Prepare: the harness' admin answers once as a broker whose partition leadership just moved
    // (the error that killed a CI run), the way kafkajs' admin gives up on stale metadata.
    const admin = harness.admin;
    const original = admin.fetchTopicOffsets.bind(admin);
    let refused = 0;
    admin.fetchTopicOffsets = async (topic) => {
      if (refused === 0) {
        refused += 1;
        throw notLeaderError();
      }
      return original(topic);
    };
    try {
      // Act
      const offsets = await harness.endOffsets([TopicName.sagaEvents]);
      // Assess
      expect(refused).toBe(1);
      expect([...(offsets.get(TopicName.sagaEvents)?.keys() ?? [])].sort()).toEqual([0, 1, 2, 3, 4]);
    } finally {
      admin.fetchTopicOffsets = original;
    }
  });
});
