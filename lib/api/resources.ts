import type { Logger } from '@aws-lambda-powertools/logger';
import type { Pool } from 'pg';
import type { BillingEvent, TopicName } from '../../schemas';
import { loadKafkaConnection, resolveDatabaseUrl } from '../config';
import { RotatingPool } from '../database';
import { createKafkaProducer, KafkaAuthorizationError, KafkaEventStore } from '../kafka';
import { loadProjectionSettings } from '../projection/config';
import { Dependency } from './constants';
import { databaseFailure } from './dependency-errors';
import { DependencyUnavailableError } from './errors';
import { postgresIdempotencyStore } from './idempotency-store';
import { postgresReadModel } from './queries';
import type { BillingApiPorts, EventAppender } from './types';

/*
 * The API's connections live across warm invocations. A request must be answered within API
 * Gateway's 30 seconds, so connecting is bounded: a database or cluster that does not answer in
 * time is an outage (503), and the next request tries again.
 */

/** How long connecting to PostgreSQL or Kafka may take before the request is answered 503. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** How long one query may take. */
export const QUERY_TIMEOUT_MS = 10_000;

const withTimeout = <T>(promise: Promise<T>, ms: number, message: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/**
 * The API's ports on the configured PostgreSQL and Kafka (DATABASE_URL or its secret; KAFKA_BROKERS or
 * MSK). Tests and benchmarks set BILLING_TOPIC_PREFIX to append to their own topics.
 */
export class BillingApiResources {
  readonly #env: NodeJS.ProcessEnv;
  readonly #logger: Logger;
  #pool: Promise<Pool> | undefined;
  #store: Promise<KafkaEventStore> | undefined;
  /** Empty but under a test's or benchmark's own topics (BILLING_TOPIC_PREFIX, as the projectors' outbox). */
  readonly #topicAliases: Readonly<Partial<Record<TopicName, string>>>;

  constructor(env: NodeJS.ProcessEnv, logger: Logger) {
    this.#env = env;
    this.#logger = logger;
    this.#topicAliases = loadProjectionSettings(env).topicAliases;
  }

  #connectedPool(): Promise<Pool> {
    if (!this.#pool) {
      const created = resolveDatabaseUrl(this.#env).then((connectionString) => {
        // A rotated secret is read again when PostgreSQL refuses the password (RotatingPool).
        const pool = new RotatingPool(connectionString, () => resolveDatabaseUrl(this.#env), {
          max: 2,
          connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
          query_timeout: QUERY_TIMEOUT_MS,
        });
        pool.on('error', (error) =>
          this.#logger.warn('Idle database connection lost', { error: error.message }),
        );
        return pool;
      });
      this.#pool = created;
      created.catch(() => {
        if (this.#pool === created) this.#pool = undefined;
      });
    }
    return this.#pool.catch((error: unknown) => {
      throw databaseFailure(error);
    });
  }

  #connectedStore(): Promise<KafkaEventStore> {
    if (!this.#store) {
      const created = (async () => {
        const connection = await loadKafkaConnection(this.#env);
        const store = new KafkaEventStore({
          producer: createKafkaProducer(connection, { logger: this.#logger }),
          logger: this.#logger,
          topicAliases: this.#topicAliases,
        });
        await withTimeout(store.connect(), CONNECT_TIMEOUT_MS, 'Kafka did not answer in time').catch(
          async (error: unknown) => {
            await store.disconnect().catch(() => undefined);
            throw error;
          },
        );
        return store;
      })();
      this.#store = created;
      created.catch(() => {
        if (this.#store === created) this.#store = undefined;
      });
    }
    return this.#store;
  }

  /** Appends through the event store; a cluster that cannot take the event is a 503. */
  readonly events: EventAppender = {
    append: async (event: BillingEvent) => {
      let store: KafkaEventStore;
      try {
        store = await this.#connectedStore();
      } catch (error) {
        // An ACL that refuses the API's principal is a deployment fault, not an outage: a 500 that
        // names it, never a 503 that asks the client to retry.
        if (error instanceof KafkaAuthorizationError) throw error;
        throw new DependencyUnavailableError(Dependency.kafka, 'Kafka cannot be reached', { cause: error });
      }
      try {
        return await store.append(event);
      } catch (error) {
        // A producer that failed is dropped, so that the next request reconnects.
        if (this.#store) {
          this.#store = undefined;
          await store.disconnect().catch(() => undefined);
        }
        if (error instanceof KafkaAuthorizationError) throw error;
        throw new DependencyUnavailableError(Dependency.kafka, 'Kafka did not take the event', {
          cause: error,
        });
      }
    },
  };

  /** The ports every request uses. */
  ports(): BillingApiPorts {
    const pool = () => this.#connectedPool();
    return {
      readModel: postgresReadModel(pool),
      idempotency: postgresIdempotencyStore(pool),
      events: this.events,
    };
  }

  /** Closes the pool and the producer (tests). */
  async close(): Promise<void> {
    const pool = this.#pool;
    const store = this.#store;
    this.#pool = undefined;
    this.#store = undefined;
    await Promise.allSettled([pool?.then((p) => p.end()), store?.then((s) => s.disconnect())]);
  }
}
