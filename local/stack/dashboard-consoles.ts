import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { paths } from './paths';

/**
 * Native mode has no Grafana: the provisioned Grafana dashboards (local/monitoring/grafana/dashboards)
 * stay the single source, and each becomes a Prometheus console template with the same panels and
 * queries, served by Prometheus itself at /consoles/<uid>.html. Stat panels are evaluated by the
 * template on the server; time series are drawn in the browser by Prometheus's console library
 * (PromConsole.Graph over /api/v1/query_range).
 */

const targetSchema = z.object({ expr: z.string(), legendFormat: z.string().optional() });
const panelSchema = z.object({
  type: z.enum(['stat', 'timeseries']),
  title: z.string(),
  targets: z.array(targetSchema).min(1),
  fieldConfig: z.object({ defaults: z.object({ unit: z.string().optional() }).passthrough() }).optional(),
});
const dashboardSchema = z.object({
  uid: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string(),
  time: z.object({ from: z.string().regex(/^now-\d+[smhd]$/) }).optional(),
  panels: z.array(panelSchema),
});
export type Dashboard = z.infer<typeof dashboardSchema>;
export type DashboardPanel = z.infer<typeof panelSchema>;

/**
 * Grafana's `$__rate_interval` for a 15 s scrape interval and a 1 m step or finer: four scrape
 * intervals. No other dashboard variable is supported (an unknown one is an error).
 */
export const rateInterval = '1m';

/** The PromQL a console runs for a dashboard query. */
export function consoleExpression(expr: string): string {
  const resolved = expr.replaceAll('$__rate_interval', rateInterval);
  const unknown = /\$\{?\w+/.exec(resolved);
  if (unknown)
    throw new Error(`Dashboard query uses ${unknown[0]}, which the consoles cannot resolve: ${expr}`);
  return resolved;
}

export function readDashboards(dir = paths.dashboards): Dashboard[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const parsed = dashboardSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success)
        throw new Error(`${file}: not a dashboard the consoles can show`, { cause: parsed.error });
      return parsed.data;
    });
}

const html = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Static text of a template must not open a Go template action. */
function staticText(text: string): string {
  if (text.includes('{{') || text.includes('}}'))
    throw new Error(`Template braces in dashboard text: ${text}`);
  return text;
}

/** Grafana's legend `{{topic}}` in PromConsole's form `[[topic]]`. */
export const consoleLegend = (legend: string | undefined): string | null =>
  legend === undefined ? null : legend.replace(/\{\{\s*(\w+)\s*\}\}/g, '[[$1]]');

const yAxisFormats: Readonly<Record<string, string>> = {
  Bps: 'PromConsole.NumberFormatter.humanize1024',
  bytes: 'PromConsole.NumberFormatter.humanize1024',
};

function statPanel(panel: DashboardPanel): string {
  const target = panel.targets[0] as z.infer<typeof targetSchema>;
  const expr = consoleExpression(target.expr);
  if (expr.includes('`')) throw new Error(`Backquote in a stat query: ${expr}`);
  return [
    `<div class="billing-panel billing-stat" data-title="${html(panel.title)}" data-expr="${html(expr)}">`,
    `  <h4>${html(staticText(panel.title))}</h4>`,
    `  <div class="billing-value">{{ with query \`${expr}\` }}{{ . | first | value | humanize }}{{ else }}no data{{ end }}</div>`,
    '</div>',
  ].join('\n');
}

function timeseriesPanel(panel: DashboardPanel, id: string, durationSeconds: number): string {
  const exprs = panel.targets.map((target) => consoleExpression(target.expr));
  const names = panel.targets.map((target) => consoleLegend(target.legendFormat));
  const unit = panel.fieldConfig?.defaults.unit;
  const format = (unit && yAxisFormats[unit]) ?? 'PromConsole.NumberFormatter.humanize';
  const options = [
    `node: document.querySelector(${JSON.stringify(`#${id}`)})`,
    `expr: ${staticText(JSON.stringify(exprs))}`,
    ...(names.every((name) => name !== null) ? [`name: ${staticText(JSON.stringify(names))}`] : []),
    `duration: ${durationSeconds}`,
    `yAxisFormatter: ${format}`,
    `yHoverFormatter: ${format}`,
  ];
  return [
    `<div class="billing-panel billing-timeseries" data-title="${html(panel.title)}" data-expr="${html(JSON.stringify(exprs))}">`,
    `  <h4>${html(staticText(panel.title))}</h4>`,
    `  <div id="${id}"></div>`,
    `  <script>new PromConsole.Graph({ ${options.join(', ')} });</script>`,
    '</div>',
  ].join('\n');
}

const secondsPer: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** A Grafana range such as `1h` in seconds (PromConsole.Graph's `duration`). */
export function durationSeconds(range: string): number {
  const match = /^(\d+)([smhd])$/.exec(range);
  const unit = match?.[2] === undefined ? undefined : secondsPer[match[2]];
  if (!match?.[1] || unit === undefined) throw new Error(`Not a dashboard time range: ${range}`);
  return Number(match[1]) * unit;
}

/** The console template of one dashboard. */
export function dashboardConsole(dashboard: Dashboard): string {
  const duration = durationSeconds(dashboard.time?.from.replace(/^now-/, '') ?? '1h');
  const stats = dashboard.panels.filter((panel) => panel.type === 'stat');
  const series = dashboard.panels.filter((panel) => panel.type === 'timeseries');
  return [
    `{{/* Generated by local/stack/dashboard-consoles.ts from the Grafana dashboard ${dashboard.uid}: do not edit. */}}`,
    '{{ template "head" . }}',
    '{{ template "prom_content_head" . }}',
    '<style>.billing-stat{display:inline-block;min-width:11em;margin:0 1em 1em 0;vertical-align:top}',
    '.billing-value{font-size:2em}.billing-timeseries{margin-bottom:2em}</style>',
    `<h1>${html(staticText(dashboard.title))}</h1>`,
    `<p>The panels of the Grafana dashboard <code>${dashboard.uid}</code> (compose mode: Grafana on :3000).</p>`,
    ...stats.map(statPanel),
    ...series.map((panel, index) => timeseriesPanel(panel, `graph-${index}`, duration)),
    '{{ template "prom_content_tail" . }}',
    '{{ template "tail" }}',
    '',
  ].join('\n');
}

/** The consoles' index page: one link per dashboard. */
export function consolesIndex(dashboards: readonly Dashboard[]): string {
  return [
    '{{/* Generated by local/stack/dashboard-consoles.ts: do not edit. */}}',
    '{{ template "head" . }}',
    '{{ template "prom_content_head" . }}',
    '<h1>Billing dashboards</h1>',
    '<ul>',
    ...dashboards.map(
      (dashboard) => `  <li><a href="${dashboard.uid}.html">${html(staticText(dashboard.title))}</a></li>`,
    ),
    '</ul>',
    '{{ template "prom_content_tail" . }}',
    '{{ template "tail" }}',
    '',
  ].join('\n');
}

/** Every console file to write: `<uid>.html` per dashboard and `index.html`. */
export function dashboardConsoleFiles(
  dashboards: readonly Dashboard[] = readDashboards(),
): Map<string, string> {
  const files = new Map(
    dashboards.map((dashboard) => [`${dashboard.uid}.html`, dashboardConsole(dashboard)]),
  );
  files.set('index.html', consolesIndex(dashboards));
  return files;
}
