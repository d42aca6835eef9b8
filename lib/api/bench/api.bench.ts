/**
 * Billing API throughput through a real `sls offline --stage local` (serverless-offline, the MSK
 * emulator), HTTP only: top-ups with an Idempotency-Key on `accounts` accounts, `concurrency`
 * requests in flight, `commands` in all after a warm-up. Prints the rate, p50/p95/p99 and the
 * ratios to the goal (500 commands/s, p99 under 200 ms with the projectors idle), the ceiling (the
 * same requests answered 400 before any I/O) and the CPU per request of every part
 * (docs/benchmarks.md).
 *
 *   npm run bench:api -- [commands=5000] [concurrency=32] [accounts=40] [--busy]
 *
 * Idle: only the account projector runs (it opens the accounts), so the top-ups wait on their topic.
 * --busy: the transaction projector and the transfer saga run too, projecting the load as it comes.
 * Everything goes to topics of the run's own (`test.api-bench.<id>.billing.*`, deleted at the end),
 * in a database of its own: the billing topics are left as they were.
 */
import { randomUUID } from 'node:crypto';
import { eventually } from '../../../local/offline/testing/offline-process';
import { cpuSeconds, processCpuSeconds } from '../../projection/bench/cpu';
import { createTestDatabase } from '../../projection/testing/database';
import { localAuthorization } from '../testing/credentials';
import { startOfflineApi, type TriggeredFunction, waitForApi } from '../testing/offline-api';

const GOAL_RATE = 500;
const GOAL_P99_MS = 200;

const [commands = 5_000, concurrency = 32, accountCount = 40] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith('--'))
  .map(Number);
const busy = process.argv.includes('--busy');

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** Every request comes from alice, who opens the accounts it tops up. */
const AS_ALICE = localAuthorization().alice;

async function post(url: string, body: unknown, key: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: AS_ALICE, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Sends `count` top-ups, `inFlight` at a time; latencies in ms and answers by status. */
async function load(
  base: string,
  accounts: readonly string[],
  count: number,
  inFlight: number,
  minorUnits = '1',
) {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      const account = accounts[index % accounts.length];
      const started = performance.now();
      const status = await post(
        `${base}/accounts/${account}/topups`,
        { amount: { minorUnits, currency: 'EUR' } },
        randomUUID(),
      ).catch((error: Error) => `error ${error.message}`);
      latencies.push(performance.now() - started);
      statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies, statuses };
}

/** CPU of every part of the machine's work, to say where a request's time goes. */
const cpuReading = (offlinePid: number) => ({ ...cpuSeconds(), offline: processCpuSeconds(offlinePid) });
type CpuReading = ReturnType<typeof cpuReading>;

/** CPU milliseconds per request of each part between two readings. */
function cpuPerRequest(before: CpuReading, after: CpuReading, requests: number): string {
  const ms = (seconds: number) => ((seconds * 1000) / requests).toFixed(2);
  const main = after.offline.mainThread - before.offline.mainThread;
  const workers = after.offline.all - before.offline.all - main;
  const total =
    after.offline.all -
    before.offline.all +
    (after.postgres - before.postgres) +
    (after.kafka - before.kafka);
  return [
    `sls offline main thread ${ms(main)}`,
    `its workers ${ms(workers)}`,
    `PostgreSQL ${ms(after.postgres - before.postgres)}`,
    `Kafka ${ms(after.kafka - before.kafka)}`,
    `(sum ${ms(total)}; load generator ${ms(after.node - before.node)}) ms`,
  ].join(', ');
}

async function main(): Promise<void> {
  const db = await createTestDatabase('billing_api_bench');
  const functions: TriggeredFunction[] = busy
    ? ['accountProjector', 'transactionProjector', 'transferSaga']
    : ['accountProjector'];
  const offline = await startOfflineApi({ databaseUrl: db.url, functions, label: 'api-bench' });
  try {
    const base = offline.httpUrl;
    await waitForApi(base);
    const accounts: string[] = [];
    for (let index = 0; index < accountCount; index += 1) {
      const response = await fetch(`${base}/accounts`, {
        method: 'POST',
        headers: { authorization: AS_ALICE, 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: randomUUID(), currency: 'EUR' }),
      });
      accounts.push(String(((await response.json()) as { accountId: string }).accountId));
    }
    await eventually(
      async () => {
        const { rows } = await db.pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM accounts WHERE status = 'active'`,
        );
        return Number(rows[0]?.n) >= accountCount ? true : undefined;
      },
      120_000,
      () => 'the accounts were not projected',
    );
    // Warm-up: serverless-offline starts a worker per request in flight, each loading the handler
    // and connecting to PostgreSQL and Kafka (a cold start): printed apart.
    const warmUp = await load(base, accounts, Math.max(concurrency * 4, 200), concurrency);
    const warmSorted = [...warmUp.latencies].sort((a, b) => a - b);

    // The ceiling: the same route and headers with an amount that is no integer, answered 400 before
    // any I/O. What serverless-offline and the handler cost per request, without PostgreSQL or Kafka.
    const ceilingCpu = cpuReading(offline.pid);
    const ceiling = await load(base, accounts, commands, concurrency, 'not-a-number');
    const ceilingCpuPer = cpuPerRequest(ceilingCpu, cpuReading(offline.pid), commands);
    const ceilingRate = commands / ceiling.seconds;
    const ceilingSorted = [...ceiling.latencies].sort((a, b) => a - b);

    const commandCpu = cpuReading(offline.pid);
    const { seconds, latencies, statuses } = await load(base, accounts, commands, concurrency);
    const commandCpuPer = cpuPerRequest(commandCpu, cpuReading(offline.pid), commands);
    const sorted = [...latencies].sort((a, b) => a - b);
    const rate = commands / seconds;
    const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(sorted, p));
    console.log(
      [
        `billing API through sls offline (${busy ? 'projectors busy' : 'projectors idle'}): ${commands} top-ups, ${concurrency} in flight, ${accountCount} accounts`,
        `  answers   ${[...statuses].map(([status, n]) => `${status}: ${n}`).join(', ')}`,
        `  rate      ${rate.toFixed(1)} commands/s (goal ${GOAL_RATE}: ratio ${(rate / GOAL_RATE).toFixed(2)}; ratio to the ceiling ${(rate / ceilingRate).toFixed(2)})`,
        `  latency   p50 ${p50?.toFixed(1)} ms, p95 ${p95?.toFixed(1)} ms, p99 ${p99?.toFixed(1)} ms (goal p99 < ${GOAL_P99_MS} ms: ratio ${((p99 ?? 0) / GOAL_P99_MS).toFixed(2)})`,
        `  CPU       per command: ${commandCpuPer}`,
        `  ceiling   ${ceilingRate.toFixed(1)} requests/s answered 400 without I/O (${[...ceiling.statuses].map(([status, n]) => `${status}: ${n}`).join(', ')}), p50 ${percentile(ceilingSorted, 50).toFixed(1)} ms, p99 ${percentile(ceilingSorted, 99).toFixed(1)} ms`,
        `  CPU       per request of the ceiling: ${ceilingCpuPer}`,
        `  warm-up   ${warmUp.latencies.length} commands (cold workers): ${(warmUp.latencies.length / warmUp.seconds).toFixed(1)} commands/s, p50 ${percentile(warmSorted, 50).toFixed(1)} ms, p99 ${percentile(warmSorted, 99).toFixed(1)} ms, max ${(warmSorted.at(-1) ?? 0).toFixed(1)} ms`,
      ].join('\n'),
    );
  } finally {
    await offline.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
