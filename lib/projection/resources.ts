import type { Logger } from '@aws-lambda-powertools/logger';
import { loadKafkaConnection } from '../config';
import { closeDatabasePools } from '../database';
import { createKafkaProducer, KafkaEventStore } from '../kafka';
import { type EventPublisher, eventStorePublisher } from '../outbox';
import { loadProjectionSettings } from './config';
import { ProjectionEnvVariable } from './constants';

/*
 * The handlers' Kafka producers live across warm invocations, one per configuration, as their
 * database pools do (lib/database/pool.ts): the settings are read from the validated environment
 * at every invocation, and a producer is created the first time a configuration is seen. A
 * producer that failed is dropped, so that the next invocation reconnects.
 */

const stores = new Map<string, Promise<KafkaEventStore>>();

const kafkaKey = (env: NodeJS.ProcessEnv) =>
  JSON.stringify(
    [
      'KAFKA_BROKERS',
      'KAFKA_TLS',
      'KAFKA_TLS_CA_FILE',
      'MSK_CLUSTER_ARN',
      'KAFKA_AUTH',
      'KAFKA_SCRAM_SECRET_ARN',
      'KAFKA_SCRAM_CREDENTIALS_FILE',
      ProjectionEnvVariable.topicPrefix,
    ].map((name) => env[name]),
  );

/** The outbox publisher of the configured cluster (the event store, connected once). */
export function outboxPublisher(env: NodeJS.ProcessEnv, logger: Logger): EventPublisher {
  const key = kafkaKey(env);
  const connected = () => {
    let store = stores.get(key);
    if (!store) {
      store = (async () => {
        const connection = await loadKafkaConnection(env);
        const created = new KafkaEventStore({
          producer: createKafkaProducer(connection, { logger }),
          logger,
          topicAliases: loadProjectionSettings(env).topicAliases,
        });
        await created.connect();
        return created;
      })();
      stores.set(key, store);
      store.catch(() => stores.delete(key));
    }
    return store;
  };
  const publishWith = async (send: (publisher: EventPublisher) => Promise<void>) => {
    const store = await connected();
    try {
      await send(eventStorePublisher(store));
    } catch (error) {
      if (stores.get(key) !== undefined) {
        stores.delete(key);
        await store.disconnect().catch(() => undefined);
      }
      throw error;
    }
  };
  return {
    publish: (events) => publishWith((publisher) => publisher.publish(events)),
    publishMessages: (messages) =>
      publishWith(async (publisher) => {
        await publisher.publishMessages?.(messages);
      }),
  };
}

/** Closes every database pool and producer of the handlers (tests, benchmarks, graceful shutdown). */
export async function closeHandlerResources(): Promise<void> {
  const producers = [...stores.values()];
  stores.clear();
  await Promise.allSettled([
    closeDatabasePools(),
    ...producers.map(async (store) => (await store).disconnect()),
  ]);
}
