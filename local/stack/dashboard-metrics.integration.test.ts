import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';
import { kafkaNodes } from './topology';

// The Grafana dashboard of compose mode queries names that the brokers' JMX exporter agents must
// really export; native mode runs the same agent and rules on the same host ports, so it proves them.
const dashboard = JSON.parse(
  readFileSync(join(repoRoot, 'local', 'monitoring', 'grafana', 'dashboards', 'kafka.json'), 'utf8'),
) as { panels: { targets: { expr: string }[] }[] };
const dashboardMetrics = [
  ...new Set(
    dashboard.panels.flatMap((panel) => panel.targets.flatMap((t) => t.expr.match(/\bkafka_\w+/g) ?? [])),
  ),
].sort();

describe('the brokers metrics', () => {
  it.each(kafkaNodes.map((node) => [node.nodeId, node.metricsPort] as const))(
    'node %i exports on port %i every metric the Grafana dashboard queries',
    async (_nodeId, port) => {
      // Act
      const response = await fetch(`http://localhost:${port}/metrics`);
      const exported = new Set(
        (await response.text())
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'))
          .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]),
      );

      // Assess
      expect(response.ok).toBe(true);
      expect(dashboardMetrics.length).toBeGreaterThan(0);
      expect(dashboardMetrics.filter((name) => !exported.has(name))).toEqual([]);
    },
  );
});
