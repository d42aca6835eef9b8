import type { Browser } from 'puppeteer-core';
import { TopicName } from '../../schemas';
import { artifactPath, launchChromium } from './browser';
import { kafkaUiReady, kafkaUiUrl } from './native-kafka-ui';
import { waitFor } from './testing';

/*
 * Native mode's Kafka UI (kaskade in the browser through textual-serve), live in headless
 * Chromium. The terminal is drawn on a canvas, so the test reads what the app sends to the page
 * over its WebSocket (the terminal's output) and keeps a screenshot.
 */
describe('the Kafka UI on :8080', () => {
  let browser: Browser;
  beforeAll(async () => {
    if (!(await kafkaUiReady()))
      throw new Error(`The Kafka UI does not answer at ${kafkaUiUrl}: run npm run stack:up`);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the billing topics of the local cluster in the browser', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 900 });
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    let screen = '';
    cdp.on('Network.webSocketFrameReceived', ({ response }) => {
      screen +=
        response.opcode === 2
          ? Buffer.from(response.payloadData, 'base64').toString('utf8')
          : response.payloadData;
    });
    const topics: string[] = Object.values(TopicName);

    // Act
    await page.goto(kafkaUiUrl, { waitUntil: 'networkidle2' });
    await waitFor(
      'every billing topic on the UI screen',
      async () => (topics.every((topic) => screen.includes(topic)) ? true : undefined),
      90_000,
      500,
    );
    await page.screenshot({ path: artifactPath('kafka-ui.png') });
    await page.close();

    // Assess
    expect(screen).toContain('Topics');
    for (const topic of topics) expect(screen).toContain(topic);
  });
});
