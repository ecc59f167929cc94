/**
 * The support demo as an operator and two people use it: `npm start`, an agent token from
 * `npm run agent-token`, `/desk.html` with it in one tab, `/support.html` and "Call support" in another; the
 * customer appears on the desk with the page's metadata, the agent answers, and both see the other's video.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChrome } from '../../scripts/find-chrome.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;
const SETTINGS = /^(CALLS_|SFU_|TOKEN_|TURN_|OPEN_TOKENS$|ALLOWED_ORIGINS$|HOST$|PORT$|DATA_DIR$|QUEUE_)/;
const dataDir = mkdtempSync(join(tmpdir(), 'calls-support-demo-'));
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !SETTINGS.test(key))),
  DATA_DIR: dataDir,
};

let server: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = once(server, 'exit');
    process.kill(-server.pid, 'SIGTERM'); // npm, its shell and node: the group this test started
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function npmStart(): Promise<string> {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...env, PORT: '0' },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /calls-room: (http:\/\/\S+)/.exec(output)?.[1];
      if (url && /media on .+/.test(output)) resolve(url);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving:\n${output}`)));
  });
}

/** Strings, not functions: tsx's transform adds helpers to functions that do not exist in the page. */
const REMOTE_VIDEO = `(() => {
  const tiles = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.localName === 'calls-tile') tiles.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return tiles.some((tile) => {
    const video = tile.shadowRoot && tile.shadowRoot.querySelector('video');
    return tile.participant && tile.participant.isLocal === false && video && video.videoWidth > 0 &&
      video.getVideoPlaybackQuality().totalVideoFrames > 0;
  });
})()`;
const CUSTOMER_ON_DESK = `(() => {
  const w = document.querySelector('calls-desk')?.state?.line?.waiting ?? [];
  return w.length === 1 && w[0].metadata.order === 'A-1042' && w[0].metadata.page === '/support.html';
})()`;

const remoteVideo = (page: Page) =>
  page.waitForFunction(REMOTE_VIDEO, undefined, { timeout: 30_000, polling: 100 });

void test(
  'npm start, an agent token, /desk.html and /support.html: the agent answers and both see each other',
  { timeout: 120_000 },
  async () => {
    const executablePath = findChrome();
    assert.ok(executablePath, 'No Chromium: apt-get install -y chromium, or set CHROME_PATH');
    const [url, launched] = await Promise.all([
      npmStart(),
      chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }),
    ]);
    browser = launched;
    // As the README says: minted on the machine running npm start, with its secret in DATA_DIR.
    const { stdout } = await promisify(execFile)(
      'npm',
      ['run', '--silent', 'agent-token', '--', 'support', 'Alice'],
      {
        cwd: ROOT,
        env,
      },
    );
    const token = stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const [agent, customer] = await Promise.all([context.newPage(), context.newPage()]);
    await agent.goto(`${url}/desk.html?queue=support#token=${token}`);
    await agent.waitForFunction(`document.querySelector('calls-desk')?.state?.line !== undefined`);
    await customer.goto(`${url}/support.html`);
    await customer.locator('#call').click();
    await agent.waitForFunction(CUSTOMER_ON_DESK, undefined, { timeout: 30_000, polling: 100 });
    await agent.locator('calls-desk [part="answer-button"]').click();
    await Promise.all([remoteVideo(agent), remoteVideo(customer)]);
  },
);
