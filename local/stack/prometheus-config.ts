import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import * as z from 'zod';
import { paths } from './paths';
import { kafkaNodes } from './topology';

/**
 * Native mode's Prometheus reads the compose one's scrape configuration
 * (local/monitoring/prometheus.yml), translated here: the same jobs, targets, labels and rules,
 * with relabelling that sends each compose address to the host port that native mode uses.
 */

const relabelSchema = z
  .object({
    source_labels: z.array(z.string()).optional(),
    regex: z.string().optional(),
    target_label: z.string().optional(),
    replacement: z.string().optional(),
  })
  .passthrough();

const scrapeJobSchema = z
  .object({
    job_name: z.string(),
    static_configs: z.array(
      z.object({ targets: z.array(z.string()), labels: z.record(z.string(), z.string()).optional() }),
    ),
    relabel_configs: z.array(relabelSchema).optional(),
  })
  .passthrough();

export const prometheusConfigSchema = z
  .object({
    global: z.record(z.string(), z.unknown()),
    rule_files: z.array(z.string()),
    scrape_configs: z.array(scrapeJobSchema),
  })
  .passthrough();
export type PrometheusConfig = z.infer<typeof prometheusConfigSchema>;

/** Where compose mounts local/monitoring/alerts in the Prometheus container (docker-compose.yml). */
export const composeAlertsDir = '/etc/prometheus/alerts';

/** The Prometheus port, the same in both modes. */
export const prometheusPort = 9090;

/** The MSK emulator of `sls offline` (local/offline), seen from the compose network and from the host. */
const emulatorMetrics = { compose: 'host.docker.internal:9464', host: '127.0.0.1:9464' } as const;

/** Each compose scrape address and the host address native mode scrapes instead. */
export const nativeAddressOf: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    kafkaNodes.map((node) => [`kafka-${node.nodeId}:7071`, `localhost:${node.metricsPort}`]),
  ),
  [emulatorMetrics.compose]: emulatorMetrics.host,
  [`localhost:${prometheusPort}`]: `localhost:${prometheusPort}`,
};

export function readComposePrometheusConfig(file = paths.prometheusConfig): PrometheusConfig {
  return prometheusConfigSchema.parse(parse(readFileSync(file, 'utf8')));
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The native configuration: compose's, with the rule files read from the repository and, after
 * each job's own relabelling (which may derive `instance` from the compose address), the address
 * rewritten to the host port. An address without a native counterpart is an error, so a new
 * compose target cannot be silently left out of native mode.
 */
export function nativePrometheusConfig(
  compose: PrometheusConfig,
  alertsDir = join(paths.monitoring, 'alerts'),
): PrometheusConfig {
  const ruleFiles = compose.rule_files.map((file) => {
    if (posix.dirname(file) !== composeAlertsDir) {
      throw new Error(
        `prometheus.yml: rule file ${file} is outside ${composeAlertsDir}, the mounted alerts folder`,
      );
    }
    return join(alertsDir, posix.basename(file));
  });
  const scrapeConfigs = compose.scrape_configs.map((job) => {
    const rewrites = job.static_configs
      .flatMap((group) => group.targets)
      .filter((address) => nativeAddressOf[address] !== address)
      .map((address) => {
        const native = nativeAddressOf[address];
        if (native === undefined) {
          throw new Error(`prometheus.yml job ${job.job_name}: no native address for target ${address}`);
        }
        return {
          source_labels: ['__address__'],
          regex: escapeRegex(address),
          target_label: '__address__',
          replacement: native,
        };
      });
    const relabel = [...(job.relabel_configs ?? []), ...rewrites];
    return relabel.length > 0 ? { ...job, relabel_configs: relabel } : job;
  });
  return { ...compose, rule_files: ruleFiles, scrape_configs: scrapeConfigs };
}

/** The address Prometheus ends up scraping for `address` after `relabel` (the rewrite rules only). */
export function scrapedAddress(job: PrometheusConfig['scrape_configs'][number], address: string): string {
  let current = address;
  for (const rule of job.relabel_configs ?? []) {
    if (rule.target_label !== '__address__' || rule.regex === undefined) continue;
    if (new RegExp(`^(?:${rule.regex})$`).test(current)) current = rule.replacement ?? current;
  }
  return current;
}
