import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import { loadKafkaConnection, resolveDatabaseUrl } from '../config';
import { createKafkaProducer, KafkaEventStore } from '../kafka';
import { type EventPublisher, eventStorePublisher } from '../outbox';
import { RotatingPool } from '../read-model/database-pool';
import { loadProjectionSettings } from './config';
import { ProjectionEnvVariable } from './constants';

/*
 * Connections live across warm invocations, one per configuration: the settings are read from the
 * validated environment at every invocation, and a pool or producer is created the first time a
 * configuration is seen. A producer that failed is dropped, so that the next invocation reconnects.
 */

const pools = new Map<string, Promise<Pool>>();
const stores = new Map<string, Promise<KafkaEventStore>>();

/** The pg pool of the configured database (DATABASE_URL, or the secret of DATABASE_SECRET_ARN). */
export function projectionPool(env: NodeJS.ProcessEnv, logger: Logger): Promise<Pool> {
  const { poolSize } = loadProjectionSettings(env);
  const key = JSON.stringify([env.DATABASE_URL, env.DATABASE_SECRET_ARN, poolSize]);
  let pool = pools.get(key);
  if (!pool) {
    pool = resolveDatabaseUrl(env).then((connectionString) => {
      // A rotated secret is read again when PostgreSQL refuses the password (RotatingPool).
      const created = new RotatingPool(connectionString, () => resolveDatabaseUrl(env), {
        max: poolSize,
        connectionTimeoutMillis: 10_000,
      });
      // An idle client whose server went away emits 'error': without a listener it would crash the
      // process. The next query gets a fresh connection (or fails, and the invocation with it).
      created.on('error', (error) => logger.warn('Idle database connection lost', { error: error.message }));
      return created;
    });
    pools.set(key, pool);
    pool.catch(() => pools.delete(key));
  }
  return pool;
}

const kafkaKey = (env: NodeJS.ProcessEnv) =>
  JSON.stringify(
    [
      'KAFKA_BROKERS',
      'KAFKA_TLS',
      'MSK_CLUSTER_ARN',
      'KAFKA_AUTH',
      'KAFKA_SCRAM_SECRET_ARN',
      ProjectionEnvVariable.topicPrefix,
    ].map((name) => env[name]),
  );

/** The outbox publisher of the configured cluster (the event store, connected once). */
export function projectionPublisher(env: NodeJS.ProcessEnv, logger: Logger): EventPublisher {
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

/** Closes every pool and producer (tests, benchmarks, graceful shutdown). */
export async function closeProjectionResources(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  const producers = [...stores.values()];
  stores.clear();
  await Promise.allSettled([
    ...open.map(async (pool) => (await pool).end()),
    ...producers.map(async (store) => (await store).disconnect()),
  ]);
}
