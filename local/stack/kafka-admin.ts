import { Kafka, logLevel } from 'kafkajs';
import { registerLz4Codec } from '../../lib/kafka/lz4-codec';
import { bootstrapBrokers } from './topology';

/** How a client reaches the secured listener: the CA to trust and a SCRAM user. */
export interface LocalKafkaSecurity {
  readonly ca: string;
  readonly username: string;
  readonly password: string;
}

/** A kafkajs client for the local cluster, quiet while brokers come and go. */
export function localKafka(
  clientId = 'billing-local-stack',
  brokers: readonly string[] = bootstrapBrokers,
  security?: LocalKafkaSecurity,
): Kafka {
  // The billing topics are lz4-compressed on the brokers; kafkajs has no LZ4 codec of its own.
  registerLz4Codec();
  return new Kafka({
    clientId,
    brokers: [...brokers],
    ...(security
      ? {
          ssl: { ca: [security.ca] },
          sasl: { mechanism: 'scram-sha-512', username: security.username, password: security.password },
        }
      : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
}
