import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { connectedAdmin, localClient } from '../../kafka/testing/cluster';
import { readBillingTopicEnds } from '../../kafka/testing/topic-ends';

jest.setTimeout(600_000);

// `npm run bench:projection` appends to topics of its own (docs/testing.md: Topics): a small run
// leaves every billing topic's end offsets as they were, and deletes what it created.

const repoRoot = join(__dirname, '..', '..', '..');

const run = (args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [join(__dirname, 'projection.bench.ts'), ...args],
      { cwd: repoRoot, timeout: 540_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

describe('the projection benchmark', () => {
  let admin: Admin;

  beforeAll(async () => {
    admin = await connectedAdmin();
  });
  afterAll(async () => {
    await admin?.disconnect();
  });

  it('appends to topics of its own: the billing topics are left as they were, its own are deleted', async () => {
    // Prepare
    const before = await readBillingTopicEnds(await localClient());

    // Act: 300 transaction events over 20 accounts, batches of 100, one execution environment
    const bench = await run(['300', '100', '20', '1']);

    // Assess
    expect({ code: bench.code, stderr: bench.stderr }).toEqual({ code: 0, stderr: '' });
    expect(bench.stdout).toMatch(/^projected: +300 events/m);
    expect(bench.stdout).toMatch(/^invariants: +hold/m);
    const prefix = /^topics (test\.\S+\.)\*/m.exec(bench.stdout)?.[1];
    expect(prefix).toMatch(/^test\.bench-projection\.[0-9a-f]{8}\.$/);
    expect((await admin.listTopics()).filter((topic) => topic.startsWith(prefix ?? ''))).toEqual([]);
    expect(await readBillingTopicEnds(await localClient())).toEqual(before);
  });
});
