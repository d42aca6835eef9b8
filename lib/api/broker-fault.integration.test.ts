import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type OfflineProcess } from '../../local/offline/testing/offline-process';
import { nativeKafkaPid } from '../../local/stack/native-kafka';
import { kafkaNodeRunning, startKafkaNode, stopKafkaNode } from '../../local/stack/stack';
import { waitForAllBrokers } from '../../local/stack/testing';
import { kafkaNodeById } from '../../local/stack/topology';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { invariantViolations, NO_VIOLATIONS } from '../projection/testing/read-model';
import { localAuthorization } from './testing/credentials';
import { startOfflineApi, waitForApi } from './testing/offline-api';

/*
 * A fault under load, the way a user meets it: commands through HTTP into a real `sls offline`
 * (the API and the MSK emulator running the projectors and the transfer saga), a broker killed
 * with SIGKILL a third of the way in and started again a few seconds later. The client retries
 * as the API asks (503 + Retry-After, same Idempotency-Key). Then: every accepted command applied
 * exactly once, every transfer completed or failed (compensated if need be) with nothing left in
 * flight, the ledger's invariants hold, every key has its stored answer, and a re-send of every
 * key is a replay of the same answer. Bounded: 180 commands, 8 in flight.
 */

jest.setTimeout(600_000);

const ACCOUNTS = 6;
const COMMANDS = 180;
const IN_FLIGHT = 8;
const KILLED_NODE = Number(process.env.KILLED_NODE ?? 2);
const DOWN_MS = 10_000;
/** How long one command may keep being retried (the broker is back well within it). */
const RETRY_FOR_MS = 150_000;
/**
 * How long after the load everything may take to settle. Lambda's pollers are back within seconds
 * of a broker restart, but an event whose publish failed after its batch committed (the broker was
 * down) on a partition that sees no later batch waits for the retrier's outbox sweep: rows older
 * than a minute, every minute (docs/projection.md), so up to two minutes, then the saga's next
 * steps. A 90 s window failed on exactly that: transfers left `crediting` after TransferDebited.
 */
const SETTLE_WITHIN_MS = 200_000;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

interface Command {
  readonly key: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
}

const eur = (minorUnits: number) => ({ minorUnits: String(minorUnits), currency: 'EUR' });

/** SIGKILL to the broker process (compose mode: the container is stopped instead). */
function killBroker(nodeId: number): Promise<void> {
  const pid = nativeKafkaPid(kafkaNodeById(nodeId));
  if (pid === undefined) return stopKafkaNode(nodeId);
  process.kill(pid, 'SIGKILL');
  return Promise.resolve();
}

describe('the billing API and the MSK emulator through a broker killed under load', () => {
  let db: TestDatabase;
  let offline: OfflineProcess;
  /** Every status the API answered a command with, retries included. */
  const seen = new Map<number, number>();
  /** Answers that are none of the API's own (a Lambda error or timeout comes back as 200), in full. */
  const foreign: string[] = [];

  /** Every command comes from alice, who opens the accounts it moves money between. */
  const as = localAuthorization();
  const post = async (command: Command): Promise<Answer> => {
    const response = await fetch(`${offline.httpUrl}${command.path}`, {
      method: 'POST',
      headers: {
        authorization: as.alice,
        'content-type': 'application/json',
        'idempotency-key': command.key,
      },
      body: JSON.stringify(command.body),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
    seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
    if (![202, 400, 404, 409, 422, 503].includes(answer.status))
      foreign.push(`${answer.status} ${command.path} ${JSON.stringify(answer.body).slice(0, 600)}`);
    return answer;
  };

  /** Sends until accepted, as a client should: after a 503 (Retry-After) or a lost connection. */
  const send = async (command: Command): Promise<Answer> => {
    const deadline = Date.now() + RETRY_FOR_MS;
    for (;;) {
      const answer = await post(command).catch(() => undefined);
      if (answer && answer.status !== 503 && answer.status !== 502 && answer.status !== 504) return answer;
      if (Date.now() > deadline)
        throw new Error(`${command.path} never accepted: ${answer?.status ?? 'no answer'}`);
      const retryAfter = Number(answer?.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 2) * 1_000));
    }
  };

  const said = () => `sls offline said:\n${offline.output().slice(-4_000)}`;

  /**
   * Where each transfer stopped, for a failure's message: every outbox row that names it (event,
   * producer, whether its source partition is marked published through it) and which consumers
   * applied that event (their marker's topic-partition and offset); then the emulator's lines
   * about triggers, commits, retries and on-failure records. The whole log goes to a file.
   */
  const whereStuck = async (transferIds: readonly string[]): Promise<string> => {
    const lines: string[] = [];
    for (const transferId of transferIds.slice(0, 5)) {
      const { rows } = await db.pool.query<{ line: string }>(
        `SELECT o.event_type || ' by ' || o.producer || ' to ' || o.topic || ' from ' || o.source_topic || '-' || o.source_partition
                || ' at position ' || o.position
                || CASE WHEN o.position <= COALESCE(p.position, 0) THEN ' (published)' ELSE ' (NOT published)' END
                || '; applied by: ' || COALESCE((SELECT string_agg(m.consumer || '@' || m.topic || '-' || m.partition || ':' || m."offset", ', ')
                                                   FROM processed_events m WHERE m.event_id = o.event_id), 'nobody') AS line
           FROM outbox o LEFT JOIN outbox_published p USING (producer, source_topic, source_partition)
          WHERE o.value LIKE '%' || $1 || '%' ORDER BY o.position`,
        [transferId],
      );
      lines.push(`transfer ${transferId}:`, ...rows.map((row) => `  ${row.line}`));
    }
    const file = join(tmpdir(), `broker-fault-offline-${Date.now()}.log`);
    writeFileSync(file, offline.output());
    const notable = offline
      .output()
      .split('\n')
      .filter((line) => /TRIGGER|commit of|attempt \d+ of|sent to|dropped|back in group/.test(line))
      .slice(-60);
    const lag = await fetch(offline.metricsUrl)
      .then((response) => response.text())
      .then((text) => text.split('\n').filter((line) => /offset_lag\{/.test(line) && !/ 0$/.test(line)))
      .catch((error: Error) => [`metrics not read: ${error.message}`]);
    lines.push(
      `the triggers' offset lag, where not 0: ${lag.length === 0 ? 'none' : `\n  ${lag.join('\n  ')}`}`,
    );
    return `${lines.join('\n')}\nthe emulator's notable lines (all in ${file}):\n${notable.join('\n')}`;
  };

  beforeAll(async () => {
    db = await createTestDatabase('billing_api_fault');
    offline = await startOfflineApi({
      databaseUrl: db.url,
      functions: ['accountProjector', 'transactionProjector', 'transferSaga'],
      label: 'api-broker-fault',
    });
    await waitForApi(offline.httpUrl);
  }, 300_000);

  afterAll(async () => {
    await startKafkaNode(KILLED_NODE).catch(() => undefined);
    await waitForAllBrokers().catch(() => undefined);
    await offline?.stop();
    await db?.drop();
  }, 300_000);

  it('applies every accepted command once, settles every transfer, and answers what happened', async () => {
    // Prepare: accounts opened and funded
    const accounts: string[] = [];
    for (let index = 0; index < ACCOUNTS; index += 1) {
      const opened = await send({
        key: randomUUID(),
        path: '/accounts',
        body: { customerId: randomUUID(), currency: 'EUR' },
      });
      expect(opened.status).toBe(202);
      accounts.push(String(opened.body.accountId));
    }
    await eventually(
      async () => {
        // The accounts opened above (the run's topics and database are its own).
        const { rows } = await db.pool.query(
          `SELECT 1 FROM accounts WHERE status = 'active' AND account_id = ANY($1::uuid[])`,
          [accounts],
        );
        return rows.length === ACCOUNTS ? true : undefined;
      },
      120_000,
      () => `accounts not opened; ${said()}`,
    );
    for (const account of accounts) {
      const funded = await send({
        key: randomUUID(),
        path: `/accounts/${account}/topups`,
        body: { amount: eur(50_000) },
      });
      expect(funded.status).toBe(202);
    }
    const commands: Command[] = Array.from({ length: COMMANDS }, (_, index) => {
      const from = accounts[index % ACCOUNTS] ?? '';
      const to = accounts[(index + 1 + (index % (ACCOUNTS - 1))) % ACCOUNTS] ?? '';
      const amount = 1 + ((index * 37) % 400);
      switch (index % 3) {
        case 0:
          return {
            key: randomUUID(),
            path: '/transfers',
            body: { fromAccountId: from, toAccountId: to, amount: eur(amount) },
          };
        case 1:
          return { key: randomUUID(), path: `/accounts/${from}/topups`, body: { amount: eur(amount) } };
        default:
          return {
            key: randomUUID(),
            path: `/accounts/${from}/withdrawals`,
            body: { amount: eur(amount * 3) },
          };
      }
    });

    // Act: the load, with a broker killed a third of the way in and started again
    const answers = new Map<string, Answer>();
    let next = 0;
    let fault: Promise<void> | undefined;
    const client = async () => {
      for (let index = next++; index < commands.length; index = next++) {
        if (index === Math.floor(COMMANDS / 3)) {
          fault = (async () => {
            await killBroker(KILLED_NODE);
            await eventually(
              async () => (kafkaNodeRunning(KILLED_NODE) ? undefined : true),
              10_000,
              () => `broker ${KILLED_NODE} still running after SIGKILL`,
            );
            await new Promise((resolve) => setTimeout(resolve, DOWN_MS));
            await startKafkaNode(KILLED_NODE);
          })();
        }
        const command = commands[index] as Command;
        answers.set(command.key, await send(command));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, client));
    await fault;
    await waitForAllBrokers();

    const restarts = offline.output().match(/TRIGGER DOWN/g)?.length ?? 0;
    console.log(
      `answers to ${COMMANDS} commands, retries included: ${[...seen].map(([status, n]) => `${status}: ${n}`).join(', ')}; trigger restarts: ${restarts}`,
    );

    // Assess 1: every command accepted, and no answer was a Lambda timeout dressed as success
    for (const command of commands) expect(answers.get(command.key)?.status).toBe(202);
    expect(foreign).toEqual([]);
    expect(seen.get(200) ?? 0).toBe(0);

    // Assess 2: every transfer settles, with nothing left in flight
    const transferIds = commands
      .filter((command) => command.path === '/transfers')
      .map((command) => String(answers.get(command.key)?.body.transferId));
    // The transfers not settled at the last look, with their status and step, for the timeout's message.
    let unsettled: string[] = [];
    let unsettledIds: string[] = [];
    const settled = await eventually(
      async () => {
        const { rows } = await db.pool.query<{
          transfer_id: string;
          status: string;
          step: string | null;
          compensated: boolean;
        }>(
          `SELECT transfer_id, status, step, compensated FROM transfers WHERE transfer_id = ANY($1::uuid[])`,
          [transferIds],
        );
        const done = rows.filter((row) => row.status === 'completed' || row.status === 'failed');
        const open = rows.filter((row) => row.status !== 'completed' && row.status !== 'failed');
        const seenIds = new Set(rows.map((row) => row.transfer_id));
        unsettled = [
          ...open.map((row) => `${row.transfer_id} ${row.status} (${row.step ?? 'no step'})`),
          ...transferIds.filter((id) => !seenIds.has(id)).map((id) => `${id} no transfer row`),
        ];
        unsettledIds = open.map((row) => row.transfer_id);
        return done.length === transferIds.length ? rows : undefined;
      },
      SETTLE_WITHIN_MS,
      () =>
        `not every transfer settled (${unsettled.length} of ${transferIds.length}: ${unsettled.slice(0, 10).join('; ')})`,
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await whereStuck(unsettledIds)}`);
    });
    expect(settled).toHaveLength(transferIds.length);
    // Our transfers' legs (debit, credit, compensation) leave nothing in transfers-in-flight.
    const inFlight = await db.pool.query<{ total: string | null }>(
      `SELECT sum(e.amount_minor)::text AS total FROM ledger_entries e
         JOIN transactions t USING (transaction_id)
        WHERE e.ledger_account LIKE 'transfers-in-flight:%' AND t.transfer_id = ANY($1::uuid[])`,
      [transferIds],
    );
    if ((inFlight.rows[0]?.total ?? '0') !== '0') {
      // Which transfers hold money, with their state and legs, for the failure's message
      const held = await db.pool.query(
        `SELECT t.transfer_id, t.status, t.step, t.reason, t.compensated,
                string_agg(x.kind || ':' || x.status || ':' || x.amount_minor || ':' || x.transaction_id, ' ' ORDER BY x.kind) AS legs
           FROM transfers t JOIN transactions x USING (transfer_id)
          WHERE t.transfer_id = ANY($1::uuid[])
          GROUP BY t.transfer_id
         HAVING sum(CASE WHEN x.status = 'applied' AND x.kind = 'transfer_debit' THEN x.amount_minor
                         WHEN x.status = 'applied' THEN -x.amount_minor ELSE 0 END) <> 0`,
        [transferIds],
      );
      expect(held.rows).toEqual([]);
    }
    expect(inFlight.rows[0]?.total ?? '0').toBe('0');

    // Assess 3: every accepted movement applied (or rejected by the ledger) exactly once
    const movementIds = commands
      .filter((command) => command.path !== '/transfers')
      .map((command) => String(answers.get(command.key)?.body.transactionId));
    let unprojected: string[] = [];
    const movements = await eventually(
      async () => {
        const { rows } = await db.pool.query<{ transaction_id: string; status: string }>(
          `SELECT transaction_id, status FROM transactions WHERE transaction_id = ANY($1::uuid[])`,
          [movementIds],
        );
        const projected = new Set(rows.map((row) => row.transaction_id));
        unprojected = movementIds.filter((id) => !projected.has(id));
        return rows.length === movementIds.length ? rows : undefined;
      },
      SETTLE_WITHIN_MS,
      () =>
        `not every accepted movement was projected (${unprojected.length}: ${unprojected.slice(0, 10).join(', ')}); ${said()}`,
    );
    for (const row of movements) expect(['applied', 'rejected']).toContain(row.status);
    const entries = await db.pool.query<{ transaction_id: string; entries: string }>(
      `SELECT transaction_id, count(*) AS entries FROM ledger_entries WHERE transaction_id = ANY($1::uuid[])
        GROUP BY transaction_id HAVING count(*) <> 2`,
      [movementIds],
    );
    expect(entries.rows).toEqual([]);
    expect(await invariantViolations(db.pool)).toEqual(NO_VIOLATIONS);

    // Assess 4: every key has its stored answer, and a re-send is a replay of the same answer
    const unanswered = await db.pool.query(
      'SELECT idempotency_key FROM api_idempotency_keys WHERE response_status IS NULL',
    );
    expect(unanswered.rows).toEqual([]);
    for (const command of commands) {
      const replay = await send(command);
      expect(replay.status).toBe(202);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(answers.get(command.key)?.body);
    }
  });
});
