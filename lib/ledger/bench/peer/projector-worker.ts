/**
 * A Lambda execution environment of the peer benchmark: a worker thread with its own pool and
 * producer (bench-projection.ts) that projects each MSK event it receives as JSON text, as the
 * Lambda runtime hands it over, and answers with the count of dead-lettered records.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ProjectionMetric } from '../../../projection/constants';
import { type BenchProjector, openBenchProjection, type TopicAliases } from './bench-projection';

const options = workerData as {
  databaseUrl: string;
  aliases: TopicAliases;
  poolSize: number;
  projector: BenchProjector;
};

/** The error's message and its causes' (a batch error wraps the partition's, which wraps the driver's). */
function describe(error: unknown): string {
  const lines: string[] = [];
  for (let current: unknown = error; current !== undefined && lines.length < 5; ) {
    lines.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join('\n  caused by ');
}

async function main(): Promise<void> {
  const projection = await openBenchProjection(options);
  parentPort?.on('message', async (message: { id: number; event?: string; close?: boolean }) => {
    if (message.close) {
      await projection.close();
      parentPort?.postMessage({ id: message.id, ok: true });
      return;
    }
    try {
      const report = await projection.project(options.projector, JSON.parse(message.event ?? '{}'));
      parentPort?.postMessage({
        id: message.id,
        ok: true,
        deadLettered: report.totals[ProjectionMetric.deadLettered] ?? 0,
      });
    } catch (error) {
      parentPort?.postMessage({
        id: message.id,
        ok: false,
        error: describe(error),
      });
    }
  });
  parentPort?.postMessage({ ready: true });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ ready: false, error: error instanceof Error ? error.stack : String(error) });
});
