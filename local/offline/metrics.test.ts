import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createEmulatorMetrics } from './metrics';

const monitoring = join(__dirname, '..', 'monitoring');
const metricNamesIn = (text: string): string[] => text.match(/\b(?:msk_offline|billing)_[a-z_]+/g) ?? [];
/** Names a registry exports, histogram series included. */
async function exportedNames(): Promise<Set<string>> {
  const metrics = createEmulatorMetrics(async () => new Map([['parked', 2]]));
  metrics.invocations.inc({ function: 'f' });
  metrics.duration.observe({ function: 'f' }, 0.2);
  metrics.batchSize.observe({ function: 'f' }, 3);
  metrics.errors.inc({ function: 'f' });
  metrics.offsetLag.set({ function: 'f', topic: 't', partition: '0' }, 1);
  metrics.onFailureRecords.inc({ function: 'f', topic: 't', condition: 'RetriesExhausted' });
  const text = await metrics.registry.metrics();
  return new Set(
    text
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => /^[a-z_]+/.exec(line)?.[0] ?? ''),
  );
}

describe('the emulator metrics', () => {
  it('exports every metric the Grafana dashboard and the alert rules query', async () => {
    // Prepare
    const dashboard = readFileSync(
      join(monitoring, 'grafana', 'dashboards', 'billing-functions.json'),
      'utf8',
    );
    const rules = parse(readFileSync(join(monitoring, 'alerts', 'billing.yml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const queried = new Set([
      ...metricNamesIn(dashboard),
      ...rules.groups.flatMap((group) => group.rules.flatMap((rule) => metricNamesIn(rule.expr))),
    ]);
    // Act
    const exported = await exportedNames();
    // Assess
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('reports the dead letters of the read model by status', async () => {
    const metrics = createEmulatorMetrics(async () => new Map([['parked', 2]]));
    const text = await metrics.registry.metrics();
    expect(text).toContain('billing_dead_letters{status="parked"} 2');
    expect(text).toContain('billing_dead_letters{status="received"} 0');
  });
});
