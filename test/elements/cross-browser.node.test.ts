/**
 * A call between Chromium and Firefox, as two users of a site would have it: each browser opens a plain page
 * (script-tag-site.html) that loads the built `calls-room.js` from the backend, the backend runs on the real
 * embedded SFU, and each side must decode the other's video and read the other's chat. Chromium is driven by
 * playwright-core, Firefox over WebDriver BiDi by puppeteer-core; both with fake media and nothing else.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser as ChromiumBrowser, type Page as ChromiumPage } from 'playwright-core';
import puppeteer, { type Browser as FirefoxBrowser, type Page as FirefoxPage } from 'puppeteer-core';
import { CHROMIUM_ARGS, findChrome } from '../../scripts/find-chrome.mjs';
import { FIREFOX_PREFS, findFirefox } from '../../scripts/find-firefox.mjs';
import { startSfu, type RunningSfu } from '../../src/sfu/server.ts';
import { startBackend, type RunningBackend } from '../../src/server/node-server.ts';
import { parseSettings } from '../../src/server/settings.ts';
import { buildWidget } from '../server/widget-build.ts';

/** In the page, as a string (no transpiler helpers may leak in): waits until `from`'s video tile presents
 * frames and keeps decoding. Resolves with the frames decoded, rejects with what was missing. */
const VIDEO_FROM = `async (from) => {
  const room = document.querySelector('calls-room');
  const deadline = performance.now() + 45000;
  const until = async (check, what) => {
    for (;;) {
      const v = await check();
      if (v) return v;
      if (performance.now() > deadline) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const decoded = async () => {
    let n = 0;
    (await room.getStats())?.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video') n += r.framesDecoded ?? 0; });
    return n;
  };
  const video = await until(() => {
    const tiles = [...(room.shadowRoot?.querySelectorAll('calls-tile') ?? [])];
    const tile = tiles.find((t) => t.source === 'camera' && t.participant?.name === from && t.participant.camera);
    return tile?.video;
  }, from + "'s video tile");
  await new Promise((resolve) => video.requestVideoFrameCallback(() => resolve()));
  const before = await decoded();
  await until(async () => (await decoded()) > before + 5, 'frames from ' + from);
  return decoded();
}`;

/** In the page: collects chat texts from `calls-message` into window.chat. */
const COLLECT_CHAT = `() => {
  window.chat = [];
  document.querySelector('calls-room').addEventListener('calls-message', (e) => window.chat.push(e.detail.message.text));
}`;

void describe('a call between Chromium and Firefox through the widget', { timeout: 180_000 }, () => {
  let sfu: RunningSfu;
  let backend: RunningBackend;
  let site: Server;
  let chromiumBrowser: ChromiumBrowser;
  let firefoxBrowser: FirefoxBrowser;

  before(async () => {
    const chromePath = findChrome();
    const firefoxPath = findFirefox();
    assert.ok(chromePath, 'Chromium: apt-get install -y chromium, or set CHROME_PATH');
    assert.ok(firefoxPath, 'Firefox: apt-get install -y firefox-esr, or set FIREFOX_PATH');
    const widgetDir = await buildWidget();
    sfu = await startSfu({ port: 0, appId: 'cross-app', appSecret: `cross-secret-${process.pid}` });
    const settings = parseSettings(
      {
        CALLS_API: sfu.url,
        CALLS_APP_ID: sfu.appId,
        CALLS_APP_SECRET: sfu.appSecret,
        TOKEN_SECRET: `cross-token-secret-${process.pid}-0123456789abcdef`,
        OPEN_TOKENS: 'true',
        ALLOWED_ORIGINS: '*',
      },
      'node',
    );
    backend = await startBackend({ settings, callsApi: sfu.url, port: 0, staticDir: false, widgetDir });
    const html = await readFile(new URL('./script-tag-site.html', import.meta.url), 'utf8');
    site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    chromiumBrowser = await chromium.launch({
      executablePath: chromePath,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    firefoxBrowser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath,
      headless: true,
      extraPrefsFirefox: FIREFOX_PREFS,
    });
  });

  after(async () => {
    await chromiumBrowser?.close();
    await firefoxBrowser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await backend?.close();
    await sfu?.close();
  });

  void it('each side decodes the other’s video and reads the other’s chat', async () => {
    const room = `cross-${Math.random().toString(36).slice(2, 10)}`;
    const url = (name: string) =>
      `http://127.0.0.1:${(site.address() as AddressInfo).port}/?${new URLSearchParams({ backend: backend.url, room, name })}`;
    const context = await chromiumBrowser.newContext({ permissions: ['camera', 'microphone'] });
    const ada: ChromiumPage = await context.newPage();
    const bob: FirefoxPage = await firefoxBrowser.newPage();
    const waitForRoom = "() => !!customElements.get('calls-room') && !!document.querySelector('calls-room')";
    await ada.goto(url('Ada'));
    await bob.goto(url('Bob'));
    await ada.waitForFunction(waitForRoom, undefined, { timeout: 30_000 });
    await bob.waitForFunction(waitForRoom, { timeout: 30_000 });
    await ada.evaluate(`(${COLLECT_CHAT})()`);
    await bob.evaluate(`(${COLLECT_CHAT})()`);

    const [atAda, atBob] = await Promise.all([
      ada.evaluate(`(${VIDEO_FROM})('Bob')`),
      bob.evaluate(`(${VIDEO_FROM})('Ada')`),
    ]);
    assert.ok(Number(atAda) > 5, 'Chromium decodes Firefox');
    assert.ok(Number(atBob) > 5, 'Firefox decodes Chromium');

    const chatReady = (other: string) =>
      `(() => { const r = document.querySelector('calls-room'); const p = r.state.participants.find((x) => x.name === '${other}'); return !!p && !!r.model?.chatReady(p.id); })()`;
    await ada.waitForFunction(chatReady('Bob'), undefined, { timeout: 30_000 });
    await bob.waitForFunction(chatReady('Ada'), { timeout: 30_000 });
    await ada.evaluate("document.querySelector('calls-room').send('from Chromium')");
    await bob.evaluate("document.querySelector('calls-room').send('from Firefox')");
    const got = '(text) => window.chat.includes(text)';
    await bob.waitForFunction(`(${got})('from Chromium')`, { timeout: 30_000 });
    await ada.waitForFunction(`(${got})('from Firefox')`, undefined, { timeout: 30_000 });
    await context.close();
    await bob.close();
  });
});
