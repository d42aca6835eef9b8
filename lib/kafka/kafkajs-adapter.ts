import { Logger } from '@aws-lambda-powertools/logger';
import {
  CompressionTypes,
  Kafka,
  type KafkaConfig,
  type LogEntry,
  logLevel,
  type Producer,
  type SASLOptions,
  type TopicMessages,
} from 'kafkajs';
import { KafkaDeliveryError } from './errors';
import { kafkaFailure } from './failures';
import { registerLz4Codec } from './lz4-codec';
import { JavaCompatiblePartitioner } from './partitioner';
import type { KafkaConnection, KafkaProducerPort, OutgoingRecord, PartitionWrite } from './types';

/** acks=all: a write is acknowledged once every in-sync replica has it (min.insync.replicas=2). */
const ACKS_ALL = -1;

function saslOf(connection: KafkaConnection): SASLOptions | undefined {
  const auth = connection.authentication;
  switch (auth.mechanism) {
    case 'none':
      return undefined;
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username: auth.username, password: auth.password };
    case 'oauthbearer':
      return {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await auth.tokenProvider()).value }),
      };
    default: {
      const unknown: never = auth;
      throw new KafkaDeliveryError(`Unsupported authentication ${JSON.stringify(unknown)}`);
    }
  }
}

/** Routes kafkajs' own log lines into the structured logger. */
function logCreatorFor(logger: Logger): KafkaConfig['logCreator'] {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      // Powertools adds its own timestamp; kafkajs' would be dropped with a warning.
      const { message, timestamp: _timestamp, ...extra } = log;
      const entry = { kafkajsNamespace: namespace, ...extra };
      // kafkajs logs every retried broker response (e.g. "coordinator is loading") at ERROR.
      // A failure that outlives the retries is thrown to our code, which logs it as an error.
      if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(message, entry);
      else if (level === logLevel.INFO) logger.info(message, entry);
      else logger.debug(message, entry);
    };
}

export interface KafkajsClientOptions {
  readonly logger?: Logger;
  /** kafkajs log level; WARN by default (its INFO lines are per connection and noisy in Lambda). */
  readonly logLevel?: logLevel;
}

/** Builds a kafkajs client for a connection, with the pure-JS LZ4 codec registered. */
export function createKafkajsClient(connection: KafkaConnection, options: KafkajsClientOptions = {}): Kafka {
  registerLz4Codec();
  const logger = options.logger ?? new Logger({ serviceName: 'billing-kafka' });
  const sasl = saslOf(connection);
  return new Kafka({
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    ssl: connection.tls && connection.tlsCa !== undefined ? { ca: [connection.tlsCa] } : connection.tls,
    ...(sasl ? { sasl } : {}),
    logLevel: options.logLevel ?? logLevel.WARN,
    logCreator: logCreatorFor(logger),
  });
}

/** Groups records by topic, keeping their order (kafkajs keeps per-partition order within a batch). */
function topicMessagesOf(records: readonly OutgoingRecord[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const record of records) {
    let entry = byTopic.get(record.topic);
    if (!entry) {
      entry = { topic: record.topic, messages: [] };
      byTopic.set(record.topic, entry);
    }
    entry.messages.push({ key: record.key, value: record.value, headers: { ...record.headers } });
  }
  return [...byTopic.values()];
}

/**
 * The kafkajs implementation of the producer port: idempotent, acks=all, LZ4.
 *
 * One send at a time, and none after a failed one. When a produce request fails, kafkajs gives its
 * sequence numbers back, although the broker may have written the records (a response lost with a
 * killed broker). Records of another send that then took those numbers would be answered by the
 * broker as duplicates of the first ones, and never written, while the send resolved. So sends
 * queue, and once one failed the producer refuses the rest: its owner connects a new producer (a
 * new producer id), as the API and the projectors' outbox do after any failure.
 */
export class KafkajsProducer implements KafkaProducerPort {
  readonly #producer: Producer;
  readonly #connection: KafkaConnection | undefined;
  /** The send in progress (or the last one), which the next waits for. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Why this producer sends nothing more, once a send failed. */
  #failed: unknown;

  /** With the connection, failures name the listener, the mechanism and the principal (failures.ts). */
  constructor(client: Kafka, connection?: KafkaConnection) {
    this.#connection = connection;
    this.#producer = client.producer({
      idempotent: true,
      // kafkajs guarantees ordering for an idempotent producer only with one request in flight.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // The Java client's partitions for keys (kafkajs' DefaultPartitioner), without its Long garbage.
      createPartitioner: JavaCompatiblePartitioner,
    });
  }

  async connect(): Promise<void> {
    try {
      await this.#producer.connect();
    } catch (error) {
      throw this.#failure(error, 'Cannot connect the Kafka producer');
    }
  }

  send(records: readonly OutgoingRecord[]): Promise<readonly PartitionWrite[]> {
    if (records.length === 0) return Promise.resolve([]);
    const sent = this.#queue.then(() => this.#sendNow(records));
    this.#queue = sent.catch(() => undefined);
    return sent;
  }

  async #sendNow(records: readonly OutgoingRecord[]): Promise<readonly PartitionWrite[]> {
    // Named only in a failure's message: not worked out for every send.
    const topics = () => [...new Set(records.map((record) => record.topic))].join(', ');
    if (this.#failed !== undefined) {
      throw new KafkaDeliveryError(
        `Cannot deliver ${records.length} record(s) to Kafka (${topics()}): an earlier send of this producer failed, so it sends nothing more (connect a new producer)`,
        { cause: this.#failed },
      );
    }
    try {
      const metadata = await this.#producer.sendBatch({
        acks: ACKS_ALL,
        compression: CompressionTypes.LZ4,
        topicMessages: topicMessagesOf(records),
      });
      return metadata.map((entry) => ({
        topic: entry.topicName,
        partition: entry.partition,
        baseOffset: entry.baseOffset ?? entry.offset ?? '-1',
      }));
    } catch (error) {
      this.#failed = error;
      throw this.#failure(error, `Cannot deliver ${records.length} record(s) to Kafka (${topics()})`);
    }
  }

  #failure(error: unknown, attempt: string): Error {
    return this.#connection
      ? kafkaFailure(error, this.#connection, attempt)
      : new KafkaDeliveryError(attempt, { cause: error });
  }

  async disconnect(): Promise<void> {
    await this.#producer.disconnect();
  }
}

/** Creates the producer port for a connection (kafkajs underneath). */
export function createKafkaProducer(
  connection: KafkaConnection,
  options: KafkajsClientOptions = {},
): KafkaProducerPort {
  return new KafkajsProducer(createKafkajsClient(connection, options), connection);
}
