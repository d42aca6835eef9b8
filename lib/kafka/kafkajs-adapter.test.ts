import type { Kafka } from 'kafkajs';
import { KafkaDeliveryError } from './errors';
import { KafkajsProducer } from './kafkajs-adapter';
import type { OutgoingRecord } from './types';

/*
 * kafkajs gives a failed request's sequence numbers back, although the broker may have written its
 * records; another send that took them would be answered as a duplicate and never written. The
 * adapter sends one batch at a time and nothing after a failed one. These tests use a stand-in for
 * kafkajs' producer whose sends resolve or fail on command.
 */

interface PendingSend {
  readonly topics: readonly string[];
  resolve(): void;
  reject(error: Error): void;
}

function scriptedClient() {
  const pending: PendingSend[] = [];
  const producer = {
    sendBatch: ({ topicMessages }: { topicMessages: { topic: string }[] }) =>
      new Promise((resolve, reject) => {
        pending.push({
          topics: topicMessages.map((entry) => entry.topic),
          resolve: () =>
            resolve(
              topicMessages.map((entry) => ({ topicName: entry.topic, partition: 0, baseOffset: '7' })),
            ),
          reject,
        });
      }),
  };
  return { client: { producer: () => producer } as unknown as Kafka, pending };
}

const record = (topic: string): OutgoingRecord => ({
  topic,
  key: 'acct-1',
  value: Buffer.from('{}'),
  headers: {},
});
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('KafkajsProducer', () => {
  it('sends one batch at a time, in the order asked', async () => {
    // Prepare
    const { client, pending } = scriptedClient();
    const producer = new KafkajsProducer(client);
    // Act
    const first = producer.send([record('billing.a')]);
    const second = producer.send([record('billing.b')]);
    await settle();
    // Assess: the second waits for the first
    expect(pending.map((send) => send.topics)).toEqual([['billing.a']]);
    pending[0]?.resolve();
    await expect(first).resolves.toEqual([{ topic: 'billing.a', partition: 0, baseOffset: '7' }]);
    await settle();
    expect(pending.map((send) => send.topics)).toEqual([['billing.a'], ['billing.b']]);
    pending[1]?.resolve();
    await expect(second).resolves.toHaveLength(1);
  });

  it('sends nothing after a failed send, and says so, the waiting send included', async () => {
    // Prepare: a send whose outcome is unknown (the broker went away), another one waiting
    const { client, pending } = scriptedClient();
    const producer = new KafkajsProducer(client);
    const failed = producer.send([record('billing.a')]);
    const waiting = producer.send([record('billing.b')]);
    await settle();
    // Act
    pending[0]?.reject(new Error('Connection closed'));
    // Assess: both fail; kafkajs never saw the second
    await expect(failed).rejects.toThrow(KafkaDeliveryError);
    await expect(waiting).rejects.toThrow(
      'an earlier send of this producer failed, so it sends nothing more',
    );
    await expect(producer.send([record('billing.c')])).rejects.toThrow('connect a new producer');
    expect(pending).toHaveLength(1);
  });

  it('sends nothing for no records', async () => {
    const { client, pending } = scriptedClient();
    await expect(new KafkajsProducer(client).send([])).resolves.toEqual([]);
    expect(pending).toHaveLength(0);
  });
});
