import { Pool, type PoolClient, type PoolConfig } from 'pg';

/** PostgreSQL's SQLSTATE for a refused password (invalid_password). */
export const INVALID_PASSWORD = '28P01';

const isInvalidPassword = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === INVALID_PASSWORD;

type ConnectCallback = (
  error: Error | undefined,
  client: PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg pool whose connection URL comes from a secret that can be rotated. The pool lives across
 * warm invocations; when PostgreSQL refuses a new connection's password (SQLSTATE 28P01), the
 * pool reads the secret again (once, for every connection that failed at that moment) and retries
 * that connection with what it now says (user, password, host). A connection begun before a read
 * that has completed since retries with it, without reading again. Open connections keep working:
 * PostgreSQL does not close them on a password change.
 */
export class RotatingPool extends Pool {
  readonly #resolveUrl: () => Promise<string>;
  #reload: Promise<void> | undefined;
  /** How many times the secret was read again: a connection begun before the latest read retries without another. */
  #generation = 0;

  constructor(
    connectionString: string,
    resolveUrl: () => Promise<string>,
    config: Omit<PoolConfig, 'connectionString'>,
  ) {
    super({ ...config, connectionString });
    this.#resolveUrl = resolveUrl;
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<PoolClient> | undefined {
    const begunAt = this.#generation;
    const connected = super.connect().catch(async (error: unknown) => {
      if (!isInvalidPassword(error)) throw error;
      // Refused with what an earlier read said: one more read, unless a newer one is in already.
      if (this.#generation === begunAt) await this.#reloadSecret();
      return super.connect();
    });
    if (!callback) return connected;
    // pool.query() connects with a callback.
    connected.then(
      (client) =>
        callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: unknown) =>
        callback(error instanceof Error ? error : new Error(String(error)), undefined, () => undefined),
    );
    return undefined;
  }

  /** Reads the secret again; concurrent failures share one read. New clients use what it says. */
  #reloadSecret(): Promise<void> {
    if (!this.#reload) {
      this.#reload = this.#resolveUrl()
        .then((connectionString) => {
          this.options.connectionString = connectionString;
          this.#generation += 1;
        })
        .finally(() => {
          this.#reload = undefined;
        });
    }
    return this.#reload;
  }
}
