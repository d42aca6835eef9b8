import { Kafka, logLevel } from 'kafkajs';
import { bootstrapBrokers } from './topology';

/** A kafkajs client for the local cluster, quiet while brokers come and go. */
export function localKafka(clientId = 'billing-local-stack'): Kafka {
  return new Kafka({
    clientId,
    brokers: [...bootstrapBrokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { retries: 3, initialRetryTime: 200 },
  });
}
