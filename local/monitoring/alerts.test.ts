import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/*
 * The local alert rules (alerts/billing.yml) are valid and fire as intended, checked by
 * Prometheus's own promtool (Debian: `apt-get install prometheus`; CI installs it).
 */
const alerts = join(__dirname, 'alerts');

function promtool(...args: string[]): string {
  const result = spawnSync('promtool', args, { cwd: alerts, encoding: 'utf8', timeout: 60_000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error('promtool is not installed: `apt-get install prometheus` (Debian) provides it');
  }
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(`promtool ${args.join(' ')} failed:\n${output}`);
  return output;
}

describe('local alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'billing.yml')).toContain('SUCCESS: 4 rules found');
  });

  it('fire for a failed invocation, for parked letters and for lasting lag (promtool test rules)', () => {
    expect(promtool('test', 'rules', 'billing.test.yml')).toContain('SUCCESS');
  });
});
