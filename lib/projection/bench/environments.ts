import { Worker } from 'node:worker_threads';

/** A worker's reply: to an invocation (`id`), or once at start (`ready`, or `error`). */
export interface EnvironmentReply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly ready?: boolean;
  readonly error?: string;
  readonly [field: string]: unknown;
}

/**
 * Lambda execution environments for the benchmarks: worker threads that each load a handler (or a
 * projector) once, as a separate Lambda instance would, and take MSK events as JSON text, as the
 * Lambda runtime hands them over. Partition p goes to environment p mod n; an invocation resolves
 * with what `resultOf` reads from the worker's reply (nothing by default).
 */
export class Environments<R = void> {
  readonly #workers: Worker[];
  readonly #pending = new Map<number, { resolve: (result: R) => void; reject: (error: Error) => void }>();
  #next = 0;

  private constructor(workers: Worker[], resultOf: (reply: EnvironmentReply) => R) {
    this.#workers = workers;
    for (const worker of workers) {
      worker.on('message', (reply: EnvironmentReply) => {
        if (reply.id === undefined) return;
        const pending = this.#pending.get(reply.id);
        this.#pending.delete(reply.id);
        if (reply.ok) pending?.resolve(resultOf(reply));
        else pending?.reject(new Error(reply.error));
      });
    }
  }

  /**
   * Starts `count` workers running the TypeScript file `workerFile` (through tsx's require hook,
   * like the main thread) with `workerData`; each says `ready` (or an `error`) once loaded.
   */
  static async start<R = void>(
    count: number,
    options: {
      readonly workerFile: string;
      readonly workerData: unknown;
      readonly resultOf?: (reply: EnvironmentReply) => R;
    },
  ): Promise<Environments<R>> {
    const workers = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Worker>((resolve, reject) => {
            const bootstrap = `require('tsx/cjs'); require(${JSON.stringify(options.workerFile)});`;
            const worker = new Worker(bootstrap, {
              eval: true,
              workerData: options.workerData,
              env: process.env,
            });
            worker.once('message', (reply: EnvironmentReply) =>
              reply.ready ? resolve(worker) : reject(new Error(reply.error ?? 'the worker did not start')),
            );
            worker.once('error', reject);
          }),
      ),
    );
    return new Environments<R>(workers, options.resultOf ?? (() => undefined as R));
  }

  /** Invokes partition's environment with an MSK event (JSON text). */
  invoke(partition: number, event: string): Promise<R> {
    const id = ++this.#next;
    const worker = this.#workers[partition % this.#workers.length] as Worker;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, event });
    });
  }

  /** Lets each environment close its resources (pool, producer), then ends the workers. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const id = ++this.#next;
            this.#pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
            worker.postMessage({ id, close: true });
          }),
      ),
    );
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
