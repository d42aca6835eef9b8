import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack/paths';
import { runCommand } from './stack/run-command';
import { waitForAllBrokers } from './stack/testing';

/** docs/operations.md promises that its cluster-management commands work as written: run them. */
function readmeCommands(): string[] {
  const page = readFileSync(join(repoRoot, 'docs', 'operations.md'), 'utf8');
  const block = /<!-- readme-commands:start -->\s*```bash\n([\s\S]*?)```\s*<!-- readme-commands:end -->/.exec(
    page,
  )?.[1];
  if (!block) throw new Error('docs/operations.md has no readme-commands block');
  return block.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
}

beforeAll(() => waitForAllBrokers());

describe('the cluster-management commands of docs/operations.md', () => {
  const commands = readmeCommands();

  it('are there to run', () => {
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });

  // In order: later commands use the topic and group that earlier ones create.
  it.each(commands.map((command, index) => [index + 1, command]))('%i. %s', async (_index, command) => {
    // Act
    const result = await runCommand('bash', ['-o', 'pipefail', '-c', String(command)], {
      cwd: repoRoot,
      timeoutMs: 90_000,
    });

    // Assess
    expect({ command, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
      command,
      code: 0,
      stderr: '',
    });
    if (String(command).includes('kafka-console-consumer.sh')) {
      expect(result.stdout).toContain('acct-1\thello');
    }
    if (String(command).includes('--list') && String(command).includes('kafka-topics.sh')) {
      expect(result.stdout).toContain('billing.account.events');
    }
  });
});
