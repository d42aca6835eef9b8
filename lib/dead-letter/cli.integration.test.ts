import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bootstrapBrokers } from '../../local/stack/topology';
import { TopicName } from '../../schemas';
import { closeHandlerResources } from '../projection';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { eventFactory } from '../projection/testing/events';
import {
  invokeAll,
  type LambdaHandler,
  MskHarness,
  mskEventsOf,
  type Offsets,
} from '../projection/testing/msk-harness';
import { loadProjectors, only, type Projectors } from '../projection/testing/projection-run';
import { lettersKeyedBy } from './testing/our-letters';

jest.setTimeout(180_000);

const repoRoot = join(__dirname, '..', '..');

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The operator CLI as a child process: `tsx lib/dead-letter/cli.ts …` (what `npm run dlq -- …` runs). */
const runCli = (args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> =>
  new Promise((resolve) => {
    execFile(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [join(repoRoot, 'lib', 'dead-letter', 'cli.ts'), ...args],
      { cwd: repoRoot, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

/** The letter ids a `list` printed (one line per letter, the id first). */
const idsOf = (run: CliRun) =>
  run.stdout
    .split('\n')
    .map((line) => /^([0-9a-f-]{36})\s/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();

describe('the dead-letter operator CLI on letters stored through the real path', () => {
  let harness: MskHarness;
  let db: TestDatabase;
  let projectors: Projectors;
  let deadLetterHandler: LambdaHandler;
  let cliEnv: NodeJS.ProcessEnv;
  const events = eventFactory();
  const keys = new Set<string>();
  // D: a topup before its account opening (deferred); P: a record of the account topic that is not JSON (permanent).
  const D = randomUUID();
  const P = randomUUID();
  keys.add(D);
  keys.add(P);
  let deferredId = '';
  let permanentId = '';

  const cli = (...args: string[]) => runCli(args, cliEnv);

  const step = async (produce: () => Promise<void>) => {
    const before = await harness.endOffsets(Object.values(TopicName));
    await produce();
    const after = await harness.endOffsets(Object.values(TopicName));
    const keep = (key: string | null) => key !== null && keys.has(key);
    for (const [topic, handler, name] of [
      [TopicName.accountEvents, projectors.account, 'account-projector'],
      [TopicName.transactionEvents, projectors.transaction, 'transaction-projector'],
    ] as const) {
      const records = await harness.collect(only(before, topic), only(after, topic), keep);
      await invokeAll(handler, name, mskEventsOf(records));
    }
    await deliverLetters(before);
  };
  const deliverLetters = async (before: Offsets) => {
    const after = await harness.endOffsets([TopicName.deadLetter]);
    const records = await harness.collect(only(before, TopicName.deadLetter), after, () => true);
    await invokeAll(deadLetterHandler, 'dead-letter', mskEventsOf(records.filter(ours)));
  };

  /** Our letters: their source record is keyed by one of our ids (other runs share the topic). */
  const ours = lettersKeyedBy(keys);

  const letterOfKey = async (key: string) =>
    (
      await db.pool.query(
        `SELECT id, status, failure_code FROM dead_letters WHERE convert_from(decode(source_key, 'base64'), 'UTF8') = $1`,
        [key],
      )
    ).rows;
  const letterById = async (id: string) =>
    (await db.pool.query('SELECT id, status FROM dead_letters WHERE id = $1', [id])).rows;
  const historyOf = async (id: string) =>
    (
      await db.pool.query(
        'SELECT action, outcome, actor, reason FROM dead_letter_actions WHERE dead_letter_id = $1 ORDER BY position',
        [id],
      )
    ).rows;
  const balanceOf = async (accountId: string) =>
    (await db.pool.query('SELECT balance_minor FROM accounts WHERE account_id = $1', [accountId])).rows[0]
      ?.balance_minor;
  const transactionsOf = async (accountId: string) =>
    (await db.pool.query('SELECT count(*)::int AS n FROM transactions WHERE account_id = $1', [accountId]))
      .rows[0]?.n;

  beforeAll(async () => {
    harness = await MskHarness.startOnRunTopics('dlq-cli');
    db = await createTestDatabase();
    process.env.DATABASE_URL = db.url;
    process.env.KAFKA_BROKERS = bootstrapBrokers.join(',');
    projectors = await loadProjectors({
      account: () => import('../../functions/account-projector'),
      transaction: () => import('../../functions/transaction-projector'),
    });
    deadLetterHandler = (await import('../../functions/dead-letter')).handler as unknown as LambdaHandler;
    cliEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      KAFKA_BROKERS: bootstrapBrokers.join(','),
      DLQ_OPERATOR: 'default-operator',
    };

    await step(() => harness.append([events.topup(D, 1_250)]));
    await step(() => harness.appendRaw(TopicName.accountEvents, [{ key: P, value: '{not json' }]));
    const [deferred] = await letterOfKey(D);
    const [permanent] = await letterOfKey(P);
    expect(deferred).toMatchObject({ status: 'received', failure_code: 'ACCOUNT_NOT_FOUND' });
    expect(permanent).toMatchObject({ status: 'parked', failure_code: 'NOT_JSON' });
    deferredId = String(deferred?.id);
    permanentId = String(permanent?.id);
    // The permanent letter was received two hours ago (for --older-than).
    await db.pool.query(
      `UPDATE dead_letters SET received_at = received_at - interval '2 hours' WHERE id = $1`,
      [permanentId],
    );
  });

  afterAll(async () => {
    await closeHandlerResources();
    await harness?.stop();
    await db?.drop();
  });

  it('lists the letters each filter selects', async () => {
    // Act
    const all = await cli('list');
    const parked = await cli('list', '--status', 'parked');
    const received = await cli('list', '--status', 'received');
    const discarded = await cli('list', '--status', 'discarded');
    const transactionTopic = await cli('list', '--topic', TopicName.transactionEvents);
    const accountTopic = await cli('list', '--topic', TopicName.accountEvents);
    const notFound = await cli('list', '--code', 'ACCOUNT_NOT_FOUND');
    const notJson = await cli('list', '--code', 'NOT_JSON');
    const olderThanHour = await cli('list', '--older-than', '1h');
    const olderThanThreeHours = await cli('list', '--older-than', '3h');
    const combined = await cli('list', '--status', 'parked', '--code', 'ACCOUNT_NOT_FOUND');
    const throughNpm = await new Promise<CliRun>((resolve) =>
      execFile(
        'npm',
        ['run', '--silent', 'dlq', '--', 'list', '--status', 'parked'],
        { cwd: repoRoot, env: cliEnv, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
      ),
    );

    // Assess
    for (const run of [all, parked, received, discarded, transactionTopic, accountTopic]) {
      expect(run).toMatchObject({ code: 0, stderr: '' });
    }
    expect(idsOf(all)).toEqual([deferredId, permanentId].sort());
    expect(all.stdout).toContain('2 letter(s)');
    expect(idsOf(parked)).toEqual([permanentId]);
    expect(idsOf(received)).toEqual([deferredId]);
    expect(idsOf(discarded)).toEqual([]);
    expect(discarded.stdout).toContain('0 letter(s)');
    expect(idsOf(transactionTopic)).toEqual([deferredId]);
    expect(idsOf(accountTopic)).toEqual([permanentId]);
    expect(idsOf(notFound)).toEqual([deferredId]);
    expect(idsOf(notJson)).toEqual([permanentId]);
    expect(idsOf(olderThanHour)).toEqual([permanentId]);
    expect(idsOf(olderThanThreeHours)).toEqual([]);
    expect(idsOf(combined)).toEqual([]);
    expect(throughNpm.code).toBe(0);
    expect(idsOf(throughNpm)).toEqual([permanentId]);
  });

  it('says when --limit truncates the list, and how many letters match', async () => {
    // Act
    const first = await cli('list', '--limit', '1');
    const both = await cli('list', '--limit', '2');

    // Assess: oldest first (the permanent letter was received first)
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(idsOf(first)).toEqual([permanentId]);
    expect(first.stdout).toContain('1 of 2 letter(s), oldest first: TRUNCATED at --limit 1');
    expect(idsOf(both)).toEqual([deferredId, permanentId].sort());
    expect(both.stdout).toContain('2 letter(s)');
    expect(both.stdout).not.toContain('TRUNCATED');
  });

  it('prints its usage on --help and exits 0', async () => {
    // Act
    const help = await cli('--help');
    const bad = await cli('purge');

    // Assess: help is an answer (stdout, 0), a wrong command an error (stderr, 2)
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: npm run dlq -- <command>');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage: npm run dlq -- <command>');
  });

  it('refuses bad filter values, naming the option', async () => {
    // Act
    const status = await cli('list', '--status', 'lost');
    const age = await cli('list', '--older-than', 'yesterday');
    const code = await cli('list', '--code');
    const unknown = await cli('list', '--colour', 'red');

    // Assess
    expect(status.code).not.toBe(0);
    expect(status.stderr).toContain('--status');
    expect(status.stderr).toContain('"lost"');
    expect(age.code).not.toBe(0);
    expect(age.stderr).toContain('--older-than');
    expect(age.stderr).toContain('"yesterday"');
    expect(code.code).not.toBe(0);
    expect(code.stderr).toContain('--code');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('--colour');
    for (const run of [status, age, code, unknown]) expect(run.stdout).not.toContain('letter(s)');
  });

  it('shows a letter with its decoded payload and its history', async () => {
    // Act
    const deferred = await cli('show', deferredId);
    const permanent = await cli('show', permanentId);

    // Assess
    expect(deferred.code).toBe(0);
    const shown = JSON.parse(deferred.stdout);
    expect(shown).toMatchObject({
      id: deferredId,
      status: 'received',
      failureCode: 'ACCOUNT_NOT_FOUND',
      source: { topic: TopicName.transactionEvents },
      decoded: {
        key: D,
        value: {
          eventType: 'TopupRequested',
          payload: { accountId: D, amount: { minorUnits: '1250', currency: 'EUR' } },
        },
      },
    });
    expect(shown.history).toEqual([
      expect.objectContaining({ action: 'received', outcome: 'received', actor: 'dead-letter' }),
    ]);
    expect(permanent.code).toBe(0);
    const shownPermanent = JSON.parse(permanent.stdout);
    expect(shownPermanent).toMatchObject({
      id: permanentId,
      status: 'parked',
      decoded: { key: P, value: '{not json' },
    });
    expect(shownPermanent.history.map((entry: { action: string }) => entry.action)).toEqual([
      'received',
      'parked',
    ]);
  });

  it('discards a letter, recording who and why, and keeps it', async () => {
    // Act
    const run = await cli(
      'discard',
      permanentId,
      '--reason',
      'garbage from a test producer',
      '--by',
      'carol',
    );

    // Assess
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain(`${permanentId}  discarded`);
    expect(await letterById(permanentId)).toEqual([{ id: permanentId, status: 'discarded' }]);
    expect((await historyOf(permanentId)).at(-1)).toEqual({
      action: 'discard',
      outcome: 'discarded',
      actor: 'carol',
      reason: 'garbage from a test producer',
    });
    expect(idsOf(await cli('list', '--status', 'discarded'))).toEqual([permanentId]);
    expect(idsOf(await cli('list'))).toEqual([deferredId, permanentId].sort());
  });

  it('replays the deferred letter once its account is opened, exactly once', async () => {
    // Prepare: the cause is fixed
    await step(() => harness.append([events.opened(D)]));
    expect(await balanceOf(D)).toBe('0');

    // Act
    const first = await cli('replay', deferredId, '--by', 'alice');
    const balanceAfterFirst = await balanceOf(D);
    const historyAfterFirst = await historyOf(deferredId);
    const again = await cli('replay', deferredId, '--by', 'alice');

    // Assess
    expect(first).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(`${deferredId}  applied: resolved`);
    expect(balanceAfterFirst).toBe('1250');
    expect(await letterById(deferredId)).toEqual([{ id: deferredId, status: 'resolved' }]);
    expect(historyAfterFirst.filter((entry) => entry.action === 'replay')).toEqual([
      expect.objectContaining({ action: 'replay', outcome: 'applied', actor: 'alice' }),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('unchanged: already resolved');
    expect(await balanceOf(D)).toBe('1250');
    expect(await transactionsOf(D)).toBe(1);
    expect(await historyOf(deferredId)).toEqual(historyAfterFirst);
  });

  it('exits non-zero naming an unknown id', async () => {
    // Prepare
    const unknown = randomUUID();

    // Act
    const runs = {
      show: await cli('show', unknown),
      discard: await cli('discard', unknown, '--reason', 'nothing', '--by', 'carol'),
      replay: await cli('replay', unknown, '--by', 'carol'),
    };

    // Assess
    for (const [command, run] of Object.entries(runs)) {
      expect({ command, code: run.code === 0 ? 0 : 'non-zero' }).toEqual({ command, code: 'non-zero' });
      expect(`${run.stdout}${run.stderr}`).toContain(unknown);
    }
    expect(
      (
        await db.pool.query('SELECT count(*)::int AS n FROM dead_letter_actions WHERE dead_letter_id = $1', [
          unknown,
        ])
      ).rows[0]?.n,
    ).toBe(0);
  });
});
