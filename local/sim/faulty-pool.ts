import type { Pool, PoolClient } from 'pg';

/** A database fault the simulation injects into one query of a step. */
export const DbFault = {
  /** The query's backend is killed with pg_terminate_backend just before it runs. */
  kill: 'kill',
  /** The query fails as PostgreSQL's deadlock detector makes it fail (SQLSTATE 40P01). */
  deadlock: 'deadlock',
  /** The query fails with a serialization failure (SQLSTATE 40001). */
  serialization: 'serialization',
} as const;
export type DbFault = (typeof DbFault)[keyof typeof DbFault];

const errorCodeOf: Record<Exclude<DbFault, 'kill'>, string> = {
  deadlock: 'deadlock_detected',
  serialization: 'serialization_failure',
};

/** The fault plan of the current step: which query (counted from the step's start) fails, and how. */
export class DbFaultPlan {
  #count = 0;
  #plan: { readonly kind: DbFault; readonly at: number } | undefined;
  readonly fired: DbFault[] = [];
  /** Called after every successful query while set (its text): the simulation watches the system as it runs. */
  afterQuery: ((text: string) => Promise<void>) | undefined;

  arm(kind: DbFault, at: number): void {
    this.#count = 0;
    this.#plan = { kind, at };
  }

  disarm(): void {
    this.#plan = undefined;
  }

  /** Counts a query; answers the fault to inject into it, if this is the one. */
  take(): DbFault | undefined {
    this.#count += 1;
    const plan = this.#plan;
    if (plan === undefined || plan.at !== this.#count) return undefined;
    this.#plan = undefined;
    this.fired.push(plan.kind);
    return plan.kind;
  }
}

type QueryFn = (...args: unknown[]) => Promise<unknown>;

/**
 * The pool the system's code runs on in the simulation: a real pg Pool whose clients run real
 * queries, except the one query the step's plan names: its backend is killed first, or it is
 * replaced by a statement that raises a deadlock or serialization failure inside the same
 * transaction (so the transaction aborts as it would in production).
 */
export function faultyPool(pool: Pool, admin: Pool, plan: DbFaultPlan): Pool {
  const wrapClient = (client: PoolClient): PoolClient => {
    const query = client.query.bind(client) as unknown as QueryFn;
    const faulty: QueryFn = async (...args) => {
      const fault = plan.take();
      if (fault === DbFault.kill) {
        const pid = (client as unknown as { processID: number }).processID;
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        return query(...args);
      }
      if (fault !== undefined) {
        return query(
          `DO $$ BEGIN RAISE EXCEPTION 'injected ${fault}' USING ERRCODE = '${errorCodeOf[fault]}'; END $$`,
        );
      }
      const result = await query(...args);
      if (plan.afterQuery && typeof args[0] === 'string') await plan.afterQuery(args[0]);
      return result;
    };
    return new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'query') return faulty;
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  const connect = async () => wrapClient(await pool.connect());
  const poolQuery: QueryFn = async (...args) => {
    const client = await connect();
    let failure: Error | undefined;
    // As pg's own pool.query: a backend killed under the query is that query's error, not the process's.
    const onError = (error: Error) => {
      failure = error;
    };
    client.on('error', onError);
    try {
      return await (client.query as unknown as QueryFn)(...args);
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(failure);
    }
  };
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === 'connect') return connect;
      if (property === 'query') return poolQuery;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
