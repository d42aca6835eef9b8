import {
  consoleExpression,
  consoleLegend,
  dashboardConsoleFiles,
  durationSeconds,
  readDashboards,
} from './dashboard-consoles';

/** The panels of a generated console page, as the browser test reads them (data-title, data-expr). */
function panelsOf(page: string): { title: string; exprs: string[] }[] {
  const decodeEntities = (text: string) =>
    text
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return [...page.matchAll(/class="billing-panel [^"]*" data-title="([^"]*)" data-expr="([^"]*)"/g)].map(
    (match) => {
      const expr = decodeEntities(match[2] ?? '');
      return {
        title: decodeEntities(match[1] ?? ''),
        exprs: expr.startsWith('[') ? JSON.parse(expr) : [expr],
      };
    },
  );
}

describe('the dashboards as Prometheus consoles', () => {
  const dashboards = readDashboards();
  const files = dashboardConsoleFiles(dashboards);

  it('generates one page per provisioned Grafana dashboard, and an index linking each', () => {
    // Act
    const names = [...files.keys()].sort();

    // Assess
    expect(dashboards.length).toBeGreaterThanOrEqual(2);
    expect(names).toEqual([...dashboards.map((dashboard) => `${dashboard.uid}.html`), 'index.html'].sort());
    for (const dashboard of dashboards)
      expect(files.get('index.html')).toContain(`href="${dashboard.uid}.html"`);
  });

  it.each(dashboards.map((dashboard) => [dashboard.uid, dashboard] as const))(
    '%s: the page has the dashboard panels, each with the dashboard queries',
    (uid, dashboard) => {
      // Act
      const panels = panelsOf(files.get(`${uid}.html`) ?? '');

      // Assess
      const expected = dashboard.panels.map((panel) => ({
        title: panel.title,
        exprs: panel.targets.map((target) => target.expr.replaceAll('$__rate_interval', '1m')),
      }));
      expect(panels.sort((a, b) => a.title.localeCompare(b.title))).toEqual(
        expected.sort((a, b) => a.title.localeCompare(b.title)),
      );
    },
  );

  it('runs the time series queries in the browser and the stat queries in the template', () => {
    // Prepare
    const page = files.get('billing-kafka.html') ?? '';

    // Act
    const graphs = page.match(/new PromConsole\.Graph\(/g) ?? [];
    const stats = page.match(/\{\{ with query `[^`]+` \}\}/g) ?? [];

    // Assess
    const kafka = dashboards.find((dashboard) => dashboard.uid === 'billing-kafka');
    expect(graphs.length).toBe(kafka?.panels.filter((panel) => panel.type === 'timeseries').length);
    expect(stats.length).toBe(kafka?.panels.filter((panel) => panel.type === 'stat').length);
  });

  it("resolves Grafana's $__rate_interval, and refuses a variable it cannot resolve", () => {
    expect(consoleExpression('rate(x_total[$__rate_interval])')).toBe('rate(x_total[1m])');
    expect(() => consoleExpression('rate(x_total{topic="$topic"}[1m])')).toThrow('$topic');
  });

  it("turns Grafana legends into the console library's", () => {
    expect(consoleLegend('in {{instance}}')).toBe('in [[instance]]');
    expect(consoleLegend(undefined)).toBeNull();
  });

  it('reads dashboard time ranges in seconds', () => {
    expect(durationSeconds('1h')).toBe(3_600);
    expect(durationSeconds('15m')).toBe(900);
    expect(() => durationSeconds('1w')).toThrow('1w');
  });
});
