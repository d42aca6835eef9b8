/**
 * A Lambda execution environment for the projection benchmark: a worker thread that loads the
 * real handler module (its own pool and producer, as a separate Lambda instance has) and invokes
 * it with each MSK event it receives as JSON text, as the Lambda runtime hands it over.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext } from '../testing/msk-harness';

const { module: modulePath, functionName } = workerData as { module: string; functionName: string };

async function main(): Promise<void> {
  // require, not import(): the worker's TypeScript goes through tsx's CommonJS hook.
  const { handler } = require(modulePath) as {
    handler: (event: unknown, context: unknown) => Promise<unknown>;
  };
  const { closeHandlerResources } = require('../resources') as typeof import('../resources');
  parentPort?.on('message', async (message: { id: number; event?: string; close?: boolean }) => {
    if (message.close) {
      await closeHandlerResources();
      parentPort?.postMessage({ id: message.id, ok: true });
      return;
    }
    try {
      await handler(JSON.parse(message.event ?? '{}'), lambdaContext(functionName));
      parentPort?.postMessage({ id: message.id, ok: true });
    } catch (error) {
      parentPort?.postMessage({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.stack : String(error),
      });
    }
  });
  parentPort?.postMessage({ ready: true });
}

void main();
