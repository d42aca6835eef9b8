import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  composeAlertsDir,
  nativePrometheusConfig,
  readComposePrometheusConfig,
  scrapedAddress,
} from './prometheus-config';
import { kafkaNodes } from './topology';

// Both modes read local/monitoring/prometheus.yml; native mode only rewrites addresses and paths.
describe("native Prometheus's configuration, from compose's", () => {
  const compose = readComposePrometheusConfig();
  const native = nativePrometheusConfig(compose);

  it('has the same jobs, targets, global settings and per-job settings', () => {
    // Act
    const strip = (config: typeof compose) =>
      config.scrape_configs.map(({ relabel_configs: _relabel, ...job }) => job);

    // Assess
    expect(native.global).toEqual(compose.global);
    expect(strip(native)).toEqual(strip(compose));
    expect(native.scrape_configs.map((job) => job.job_name)).toEqual(['msk-offline', 'kafka', 'prometheus']);
  });

  it("keeps each job's own relabelling first (the brokers' instance names)", () => {
    // Act
    const kafka = (config: typeof compose) => config.scrape_configs.find((job) => job.job_name === 'kafka');

    // Assess
    expect(kafka(native)?.relabel_configs?.slice(0, kafka(compose)?.relabel_configs?.length)).toEqual(
      kafka(compose)?.relabel_configs,
    );
  });

  it("scrapes each broker's agent on its host metrics port, and the emulator on the host", () => {
    // Act
    const addresses = native.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((group) => group.targets.map((target) => scrapedAddress(job, target))),
    );

    // Assess
    expect(addresses.sort()).toEqual(
      [
        '127.0.0.1:9464',
        'localhost:9090',
        ...kafkaNodes.map((node) => `localhost:${node.metricsPort}`),
      ].sort(),
    );
  });

  it('reads the alert rules from the repository folder that compose mounts', () => {
    // Assess
    expect(compose.rule_files.every((file) => file.startsWith(`${composeAlertsDir}/`))).toBe(true);
    expect(native.rule_files.length).toBe(compose.rule_files.length);
    expect(native.rule_files.every((file) => existsSync(file))).toBe(true);
  });

  it('refuses a compose target that has no native address', () => {
    // Prepare
    const extended = structuredClone(compose);
    extended.scrape_configs.push({ job_name: 'extra', static_configs: [{ targets: ['grafana:3000'] }] });

    // Act
    const act = () => nativePrometheusConfig(extended);

    // Assess
    expect(act).toThrow('no native address for target grafana:3000');
  });

  it('passes promtool check config (with its rule files)', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-config-'));
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(native));

    // Act
    const result = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });
});
