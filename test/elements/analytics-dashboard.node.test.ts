/**
 * A two-participant call in real Chromium, through the widget as a site embeds it, on the real embedded SFU;
 * then the operator's `/dashboard` in Chromium shows that call: both participants, a join time, non-zero
 * bitrate, a bitrate chart. Once with the Node backend (analytics in files under DATA_DIR), once with the
 * Worker in workerd (Miniflare's Queue, D1 and R2, the widget and uPlot as static assets).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChrome } from '../../scripts/find-chrome.mjs';
import { startSfu, type RunningSfu } from '../../src/sfu/server.ts';
import { startBackend } from '../../src/server/node-server.ts';
import { parseSettings } from '../../src/server/settings.ts';
import { ADMIN_TOKEN } from '../server/analytics-suite.ts';
import { startAnalyticsWorker } from '../server/analytics-worker-harness.ts';
import { buildWidget } from '../server/widget-build.ts';

const TOKEN_SECRET = `dash-token-secret-${process.pid}-0123456789abcdef`;

/** In the page: until the other's video decodes and a 10 s sample with sent video has been taken. */
const CALL_RUNS = `async (other) => {
  const room = document.querySelector('calls-room');
  const deadline = performance.now() + 60000;
  window.samples = window.samples || [];
  if (!window.listening) {
    window.listening = true;
    room.addEventListener('calls-stats', (e) => window.samples.push(...e.detail.samples));
  }
  for (;;) {
    const p = room.state.participants.find((x) => x.name === other);
    const sent = window.samples.some((s) => s.local && s.tracks.some((t) => t.kind === 'video' && t.bitrate > 0));
    const got = p && window.samples.some((s) => s.participantId === p.id && s.tracks.some((t) => t.kind === 'video' && t.bitrate > 0));
    if (sent && got) return true;
    if (performance.now() > deadline) throw new Error('no samples with video both ways');
    await new Promise((r) => setTimeout(r, 250));
  }
}`;

interface Backend {
  url: string;
  close(): Promise<void>;
}

void describe('the dashboard shows a real call', { timeout: 300_000 }, () => {
  let sfu: RunningSfu;
  let site: Server;
  let browser: Browser;
  let widgetDir: string;

  before(async () => {
    const chromePath = findChrome();
    assert.ok(chromePath, 'Chromium: apt-get install -y chromium, or set CHROME_PATH');
    widgetDir = await buildWidget();
    sfu = await startSfu({ port: 0, appId: 'dash-app', appSecret: `dash-secret-${process.pid}` });
    const html = await readFile(new URL('./script-tag-site.html', import.meta.url), 'utf8');
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    browser = await chromium.launch({ executablePath: chromePath, headless: true, args: CHROMIUM_ARGS });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await sfu?.close();
  });

  const env = () => ({
    CALLS_API: sfu.url,
    CALLS_APP_ID: sfu.appId,
    CALLS_APP_SECRET: sfu.appSecret,
    TOKEN_SECRET,
    OPEN_TOKENS: 'true',
    ALLOWED_ORIGINS: '*',
    ADMIN_TOKEN,
  });

  async function callThenDashboard(backend: Backend): Promise<void> {
    const room = `dash-${Math.random().toString(36).slice(2, 10)}`;
    const url = (name: string) =>
      `http://127.0.0.1:${(site.address() as AddressInfo).port}/?${new URLSearchParams({ backend: backend.url, room, name })}`;
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    try {
      const [ada, bob] = [await context.newPage(), await context.newPage()];
      await ada.goto(url('Ada'));
      await bob.goto(url('Bob'));
      const ready = "() => !!customElements.get('calls-room') && !!document.querySelector('calls-room')";
      await ada.waitForFunction(ready, undefined, { timeout: 30_000 });
      await bob.waitForFunction(ready, undefined, { timeout: 30_000 });
      await Promise.all([ada.evaluate(`(${CALL_RUNS})('Bob')`), bob.evaluate(`(${CALL_RUNS})('Ada')`)]);
      // Leaving sends what is queued (the room's last batch, with its leave reason).
      for (const page of [ada, bob]) await page.evaluate("document.querySelector('calls-room').leave()");
      await ada.close();
      await bob.close();

      const dash: Page = await context.newPage();
      await dash.goto(`${backend.url}/dashboard`);
      await dash.fill('#token', ADMIN_TOKEN);
      await dash.click('#login button');
      // The Worker's consumer runs a moment later: reload until the call has both participants.
      const row = `#calls tr[data-call^="${room}."]`;
      for (let i = 0; ; i++) {
        await dash.waitForSelector('body[data-ready]', { timeout: 30_000 });
        const n = await dash
          .locator(`${row} [data-field="participants"]`)
          .textContent()
          .catch(() => null);
        if (n === '2') break;
        assert.ok(i < 40, `the call in ${room} with 2 participants (last: ${n})`);
        await dash.evaluate(
          "delete document.body.dataset.ready; document.querySelector('#login button').click()",
        );
      }
      const joinP50 = await dash.locator('#join-p50').textContent();
      assert.match(joinP50 ?? '', /^\d+ ms$/, 'a join time p50');
      await dash.click(`${row} a`);
      // Batches reach the store in any order (the Worker's Queue consumer lags): a participant's row can
      // exist from its events before its samples land. Reload the call until both rows have bitrates.
      type Row = Record<string, string>;
      let rows: Row[] = [];
      const deadline = Date.now() + 60_000;
      for (;;) {
        await dash.waitForSelector('#participants tbody tr[data-participant]:nth-child(2)', {
          timeout: 30_000,
        });
        rows = await dash.$$eval('#participants tbody tr', (trs) =>
          trs.map((tr) =>
            Object.fromEntries(
              [...tr.querySelectorAll('td')].map((td) => [td.dataset.field ?? '', td.textContent ?? '']),
            ),
          ),
        );
        if (rows.every((r) => Number(r.sendKbps) > 0 && Number(r.recvKbps) > 0)) break;
        assert.ok(Date.now() < deadline, `both participants with bitrates (last: ${JSON.stringify(rows)})`);
        await dash.reload();
      }
      for (const r of rows) {
        assert.ok(Number(r.sendKbps) > 0, `sent bitrate ${r.sendKbps}`);
        assert.ok(Number(r.recvKbps) > 0, `received bitrate ${r.recvKbps}`);
        // token / session / transport / joined / first frame, each in ms
        const phases = (r.phases ?? '').split(' / ');
        assert.ok(Number(phases[3]) > 0, `a join time: ${r.phases}`);
        assert.ok(Number(r.mos) >= 1, `a MOS: ${r.mos}`);
        assert.equal(r.leftReason, 'left');
      }
      assert.ok(await dash.locator('#bitrate canvas').count(), 'a bitrate chart (uPlot)');
      assert.equal(await dash.locator('#error').textContent(), '');
    } finally {
      await context.close();
    }
  }

  void it('on Node', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-dash-'));
    const settings = parseSettings(env(), 'node');
    const backend = await startBackend({
      settings,
      callsApi: sfu.url,
      port: 0,
      staticDir: false,
      widgetDir,
      dataDir,
    });
    try {
      await callThenDashboard(backend);
    } finally {
      await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  void it('on the Worker (Queues, D1, R2 in workerd)', async () => {
    const worker = await startAnalyticsWorker(env(), widgetDir);
    try {
      await callThenDashboard({ url: worker.base, close: worker.close });
    } finally {
      await worker.close();
    }
  });
});
