import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OfflineProcess } from '../../local/offline/testing/offline-process';
import { TopicName } from '../../schemas';
import { createTestDatabase, type TestDatabase } from '../projection/testing/database';
import { MskHarness } from '../projection/testing/msk-harness';
import { ApiRoute } from './constants';
import { localAuthorization } from './testing/credentials';
import { startOfflineApi, waitForApi } from './testing/offline-api';

/*
 * Fuzzes the API with schemathesis against a real `sls offline`, from the OpenAPI document the API
 * serves: every operation with generated valid and invalid input, bounded in examples and time.
 * No generated input may get a 5xx (check not_a_server_error). Every `accountId` is one account
 * that exists in the read model, so that the commands get past the 404 and their generated bodies
 * are validated (and, when valid, appended). It runs as alice, who owns that account. Then a
 * second, shorter run as carol, who owns nothing, with valid input only, on every route but the two
 * anyone may use (opening an account, the document): every answer must be 401 or 403. The CLI
 * comes from PyPI, pinned in .ci/run; without it this test fails, saying how to install it.
 */

const SCHEMATHESIS_VERSION = '4.32.5';
const CLI = process.env.SCHEMATHESIS_CLI ?? 'st';
const MAX_EXAMPLES = '25';
const RUN_TIMEOUT_MS = 420_000;
/** The run as a principal without rights: valid input only, fewer examples. */
const OUTSIDER_MAX_EXAMPLES = '10';
const OUTSIDER_TIMEOUT_MS = 180_000;
/** Where the account's commands go: its status changes, and its movements. */
const COMMAND_TOPICS = [TopicName.accountEvents, TopicName.transactionEvents];

jest.setTimeout(RUN_TIMEOUT_MS + OUTSIDER_TIMEOUT_MS + 240_000);

function run(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly timeoutMs: number },
) {
  return new Promise<{ status: number | null; output: string; timedOut: boolean }>((resolve, reject) => {
    // In its own directory: st keeps an examples database (.schemathesis/) where it runs.
    const child = spawn(command, args, {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output, timedOut });
    });
  });
}

describe('the billing API under schemathesis', () => {
  let db: TestDatabase;
  let harness: MskHarness;
  let offline: OfflineProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('billing_api_fuzz');
    // The run's own topics: the API appends there (the harness reads them back), and deletes them.
    harness = await MskHarness.startOnRunTopics('api-fuzz');
  }, 120_000);

  afterAll(async () => {
    await offline?.stop();
    await harness?.stop();
    await db?.drop();
  }, 60_000);

  it('answers no generated request with a server error', async () => {
    // Prepare: the CLI, then the API (only: no trigger runs)
    const version = spawnSync(CLI, ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      throw new Error(
        `The schemathesis CLI (${CLI}) is not installed: python3 -m pip install schemathesis==${SCHEMATHESIS_VERSION} (as .ci/run does)`,
      );
    }
    expect(version.stdout).toContain(SCHEMATHESIS_VERSION);
    offline = await startOfflineApi({ databaseUrl: db.url, functions: [], topics: harness.topics });
    await waitForApi(offline.httpUrl);
    // The document as the API serves it, read once here: st's own load has a short timeout.
    const as = localAuthorization();
    const served = await fetch(`${offline.httpUrl}/openapi.json`, { headers: { authorization: as.alice } });
    expect(served.status).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'billing-api-fuzz-'));
    const documentFile = join(dir, 'openapi.json');
    writeFileSync(documentFile, await served.text());
    // An open account of alice's, and st's configuration (read from its working directory) naming it.
    const accountId = randomUUID();
    await db.pool.query(
      `INSERT INTO accounts (account_id, customer_id, currency, status, balance_minor, version, opened_at, updated_at, owner_principal)
       VALUES ($1, $2, 'EUR', 'active', 0, 1, now(), now(), 'alice')`,
      [accountId, randomUUID()],
    );
    writeFileSync(join(dir, 'schemathesis.toml'), `[parameters]\n"path.accountId" = "${accountId}"\n`);
    const starts = await harness.endOffsets(COMMAND_TOPICS);

    // Act
    const result = await run(
      CLI,
      [
        'run',
        documentFile,
        '--url',
        offline.httpUrl,
        '--header',
        `Authorization: ${as.alice}`,
        '--checks',
        'not_a_server_error',
        '--max-examples',
        MAX_EXAMPLES,
        '--request-timeout',
        '30',
        '--suppress-health-check',
        'all',
        '--no-color',
      ],
      { cwd: dir, timeoutMs: RUN_TIMEOUT_MS },
    );
    // As carol, who owns nothing: valid input only, every answer recorded (HAR).
    const har = join(dir, 'outsider.har');
    const outsider = await run(
      CLI,
      [
        'run',
        documentFile,
        '--url',
        offline.httpUrl,
        '--header',
        `Authorization: ${as.carol}`,
        '--mode',
        'positive',
        '--exclude-name',
        'POST /accounts',
        '--exclude-name',
        'GET /openapi.json',
        '--checks',
        'not_a_server_error',
        '--max-examples',
        OUTSIDER_MAX_EXAMPLES,
        '--request-timeout',
        '30',
        '--suppress-health-check',
        'all',
        '--no-color',
        '--report',
        'har',
        '--report-har-path',
        har,
      ],
      { cwd: dir, timeoutMs: OUTSIDER_TIMEOUT_MS },
    );
    const outsiderStatuses = new Map<string, number>();
    try {
      const entries = (
        JSON.parse(readFileSync(har, 'utf8')) as {
          log: { entries: { request: { method: string; url: string }; response: { status: number } }[] };
        }
      ).log.entries;
      for (const { request, response } of entries) {
        const key = [401, 403].includes(response.status)
          ? String(response.status)
          : `${response.status} ${request.method} ${new URL(request.url).pathname}`;
        outsiderStatuses.set(key, (outsiderStatuses.get(key) ?? 0) + 1);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Assess
    if (result.timedOut || result.status !== 0) {
      throw new Error(
        `schemathesis ${result.timedOut ? `timed out after ${RUN_TIMEOUT_MS} ms` : `exited ${result.status}`}:\n${result.output.slice(-12_000)}\nsls offline said:\n${offline.output().slice(-2_000)}`,
      );
    }
    // Every route, the document's own included.
    expect(result.output).toMatch(new RegExp(`Tested: ${Object.keys(ApiRoute).length}\\b`));
    // The commands on the account got past the 404: some generated bodies were accepted and appended.
    const appended = await harness.collect(
      starts,
      await harness.endOffsets(COMMAND_TOPICS),
      (key) => key === accountId,
    );
    expect(appended.length).toBeGreaterThan(0);
    // Carol: every route tried, and nothing but 403 (or 401)
    if (outsider.timedOut || outsider.status !== 0) {
      throw new Error(
        `schemathesis as carol ${outsider.timedOut ? 'timed out' : `exited ${outsider.status}`}:\n${outsider.output.slice(-8_000)}`,
      );
    }
    expect(outsider.output).toMatch(new RegExp(`Tested: ${Object.keys(ApiRoute).length - 2}\\b`));
    expect([...outsiderStatuses.keys()].filter((key) => key !== '401' && key !== '403')).toEqual([]);
    expect(outsiderStatuses.get('403')).toBeGreaterThan(0);
  });
});
