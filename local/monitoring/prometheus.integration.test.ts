import type { Server } from 'node:http';
import type { Admin, Consumer, Producer } from 'kafkajs';
import type { Browser } from 'puppeteer-core';
import * as z from 'zod';
import { connectedAdmin, createTestTopic, localClient } from '../../lib/kafka/testing/cluster';
import { createEmulatorMetrics, type EmulatorMetrics, serveMetrics } from '../offline/metrics';
import { artifactPath, launchChromium } from '../stack/browser';
import { consoleExpression, readDashboards } from '../stack/dashboard-consoles';
import { prometheusReady, prometheusUrl } from '../stack/native-prometheus';
import { waitFor } from '../stack/testing';
import { kafkaNodes } from '../stack/topology';

/*
 * Native mode's Prometheus (`npm run stack:up`), live: its targets, a PromQL query over the
 * brokers' metrics, the alert rules loaded and firing, and the dashboards' console pages in
 * headless Chromium. The MSK emulator's side is served by the emulator's own metrics module
 * (local/offline/metrics.ts) on its port 9464, fed by this test, as `sls offline` feeds it.
 */

const functionName = 'monitoringTestFunction';
const topic = 'billing.account.events';

interface PromResponse<T> {
  status: string;
  data: T;
}

async function prometheus<T>(path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`);
  const body = (await response.json()) as PromResponse<T>;
  if (!response.ok || body.status !== 'success') throw new Error(`GET ${path}: ${JSON.stringify(body)}`);
  return body.data;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}
/** An instant query, evaluated now or `secondsAgo` before now. */
const query = (promql: string, secondsAgo = 0) =>
  prometheus<{ result: VectorSample[] }>(
    `/api/v1/query?query=${encodeURIComponent(promql)}&time=${Date.now() / 1000 - secondsAgo}`,
  ).then((data) => data.result);

/**
 * A console graph's last point can be up to a step (a few seconds) before the page loaded: a
 * series this test has just started feeding must answer a minute ago (longer than any graph step
 * here) to answer that point too. The brokers' series have been scraped since stack:up.
 */
const FRESH_SERIES_MARGIN_SECONDS = 60;
const DASHBOARD_OF_FRESH_SERIES = 'billing-functions';

// Runs in the page (a string, so that this file needs no DOM types): what each panel shows.
const readPanelsScript = `[...document.querySelectorAll('.billing-panel')].map((panel) => ({
  title: panel.dataset.title ?? '',
  kind: panel.classList.contains('billing-stat') ? 'stat' : 'timeseries',
  value: panel.querySelector('.billing-value')?.textContent?.trim() ?? '',
  lines: panel.querySelectorAll('svg path').length,
  legend: [...panel.querySelectorAll('.rickshaw_legend .label')].map((label) => label.textContent ?? ''),
  error: panel.querySelector('.prom_graph_error')?.textContent ?? '',
}))`;
const panelsSchema = z.array(
  z.object({
    title: z.string(),
    kind: z.enum(['stat', 'timeseries']),
    value: z.string(),
    lines: z.number(),
    legend: z.array(z.string()),
    error: z.string(),
  }),
);

interface Target {
  labels: Record<string, string>;
  health: string;
  lastError: string;
}

let emulator: EmulatorMetrics;
let server: Server;
let activity: NodeJS.Timeout;

beforeAll(async () => {
  if (!(await prometheusReady())) {
    throw new Error(
      `Prometheus does not answer at ${prometheusUrl}: run npm run stack:up (STACK_PROFILE=full)`,
    );
  }
  emulator = createEmulatorMetrics(async () => new Map([['parked', 1]]));
  // Every series the dashboards and alerts read exists from the first scrape on.
  emulator.errors.inc({ function: functionName }, 0);
  emulator.onFailureRecords.inc({ function: functionName, topic, condition: 'RetriesExhausted' }, 0);
  emulator.offsetLag.set({ function: functionName, topic, partition: '0' }, 3);
  const invoke = () => {
    emulator.invocations.inc({ function: functionName });
    emulator.duration.observe({ function: functionName }, 0.02);
    emulator.batchSize.observe({ function: functionName }, 10);
  };
  invoke();
  activity = setInterval(invoke, 1_000);
  server = await serveMetrics(emulator.registry, 9464).catch((error: Error) => {
    throw new Error(
      `Cannot serve the emulator metrics on 127.0.0.1:9464 (is sls offline running?): ${error.message}`,
    );
  });
});

afterAll(async () => {
  clearInterval(activity);
  await new Promise((done) => server?.close(done));
});

describe('native Prometheus', () => {
  it('scrapes every target of the shared configuration, and each is up', async () => {
    // Act
    const targets = await waitFor(
      'every Prometheus target up',
      async () => {
        const { activeTargets } = await prometheus<{ activeTargets: Target[] }>('/api/v1/targets');
        return activeTargets.every((target) => target.health === 'up') ? activeTargets : undefined;
      },
      90_000,
      1_000,
    );

    // Assess
    expect(targets.map((target) => `${target.labels.job}/${target.labels.instance}`).sort()).toEqual([
      ...kafkaNodes.map((node) => `kafka/kafka-${node.nodeId}`),
      'msk-offline/127.0.0.1:9464',
      'prometheus/localhost:9090',
    ]);
  });

  it('answers a PromQL query over the brokers metrics, one series per broker', async () => {
    // Act
    const result = await waitFor('three brokers in a PromQL answer', async () => {
      const samples = await query('count by (instance) (kafka_server_brokertopicmetrics_messagesin_total)');
      return samples.length === kafkaNodes.length ? samples : undefined;
    });

    // Assess
    expect(result.map((sample) => sample.metric.instance).sort()).toEqual(
      kafkaNodes.map((node) => `kafka-${node.nodeId}`),
    );
    expect(result.every((sample) => Number(sample.value[1]) > 0)).toBe(true);
  });

  it('loads the local alert rules', async () => {
    // Act
    const { groups } = await prometheus<{ groups: { rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules?type=alert',
    );
    const rules = groups.flatMap((group) => group.rules);

    // Assess
    expect(rules.map((rule) => rule.name).sort()).toEqual([
      'BillingDeadLettersParked',
      'BillingFunctionErrors',
      'BillingRecordsDeadLettered',
      'BillingTriggerOffsetLag',
    ]);
    expect(rules.filter((rule) => rule.health === 'err')).toEqual([]);
  });
});

/**
 * Traffic of the test's own on the cluster while the dashboards are read: a broker exports a
 * topic's messages-in and the Produce and FetchConsumer request times only once it has served
 * them, so a fresh, idle cluster leaves the Kafka dashboard's traffic panels empty.
 */
async function startTraffic(): Promise<() => Promise<void>> {
  const admin: Admin = await connectedAdmin();
  const trafficTopic = await createTestTopic(admin, 'monitoring-test', kafkaNodes.length);
  const client = await localClient();
  const producer: Producer = client.producer();
  const consumer: Consumer = client.consumer({ groupId: `${trafficTopic}.reader`, maxWaitTimeInMs: 200 });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: trafficTopic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  const send = () =>
    producer
      .send({
        topic: trafficTopic,
        messages: kafkaNodes.map((_, partition) => ({ partition, value: `tick ${Date.now()}` })),
      })
      .catch(() => undefined);
  await send();
  const ticking = setInterval(send, 1_000);
  return async () => {
    clearInterval(ticking);
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [trafficTopic] }).catch(() => undefined);
    await admin.disconnect();
  };
}

describe('the dashboards as Prometheus consoles, in headless Chromium', () => {
  let browser: Browser;
  let stopTraffic: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    // Chromium first: started while the traffic keeps both cores busy, it missed puppeteer's 30 s
    // launch timeout in two CI rehearsals.
    browser = await launchChromium();
    stopTraffic = await startTraffic();
  });
  afterAll(async () => {
    await browser?.close();
    await stopTraffic?.();
  });

  it.each(readDashboards().map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s: every panel of the dashboard shows data',
    async (uid, dashboard) => {
      // Prepare: Prometheus has scraped enough for every panel's query to answer (rates need two
      // scrapes), at the graph's last point too.
      const expressions = dashboard.panels.flatMap((panel) =>
        panel.targets.map((target) => consoleExpression(target.expr)),
      );
      await waitFor(
        `an answer to every query of ${uid}`,
        async () => {
          const secondsAgo = uid === DASHBOARD_OF_FRESH_SERIES ? FRESH_SERIES_MARGIN_SECONDS : 0;
          const answers = await Promise.all(expressions.map((expr) => query(expr, secondsAgo)));
          return answers.every((samples) => samples.length > 0) ? true : undefined;
        },
        240_000,
        2_000,
      );
      const page = await browser.newPage();
      // Tall enough for every panel: a full-page screenshot would resize the page, and the graphs
      // would query again while the picture is taken.
      await page.setViewport({ width: 1400, height: 2600 });
      const titles = dashboard.panels.map((panel) => panel.title);

      // Act
      await page.goto(`${prometheusUrl}/consoles/${uid}.html`, { waitUntil: 'networkidle0' });
      const panels = panelsSchema.parse(await page.evaluate(readPanelsScript));
      await page.screenshot({ path: artifactPath(`dashboard-${uid}.png`) });
      await page.close();

      // Assess
      expect(panels.map((panel) => panel.title).sort()).toEqual([...titles].sort());
      const withoutData = panels.filter((panel) =>
        panel.kind === 'stat'
          ? panel.value === '' || panel.value === 'no data'
          : panel.lines === 0 || panel.legend.length === 0 || panel.error !== '',
      );
      expect(withoutData).toEqual([]);
    },
    300_000,
  );
});

describe('the local alert rules, live', () => {
  it('BillingFunctionErrors fires once a function invocation fails', async () => {
    // Prepare: Prometheus has seen the function without errors.
    await waitFor(
      'a scrape of the function without errors',
      async () =>
        (await query(`msk_offline_invocation_errors_total{function="${functionName}"} == 0`)).length > 0
          ? true
          : undefined,
      90_000,
      1_000,
    );

    // Act
    emulator.errors.inc({ function: functionName });
    const alert = await waitFor(
      'BillingFunctionErrors firing',
      async () => {
        const { alerts } = await prometheus<{
          alerts: { labels: Record<string, string>; state: string; annotations: Record<string, string> }[];
        }>('/api/v1/alerts');
        return alerts.find(
          (candidate) =>
            candidate.labels.alertname === 'BillingFunctionErrors' &&
            candidate.labels.function === functionName &&
            candidate.state === 'firing',
        );
      },
      150_000,
      1_000,
    );

    // Assess
    expect(alert.labels.severity).toBe('page');
    expect(alert.annotations.summary).toBe(`${functionName} failed invocations`);
  });
});
