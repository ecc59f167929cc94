/**
 * What a newcomer does first: `npm start` exactly as the README says (default settings, its own port; the
 * command builds the demo and starts the server), then the printed URL's `/room.html` in two tabs of a
 * Chromium as users have it (fake camera, no network flag), Join in each, and video from the other in both.
 *
 * `npm start` itself is spawned, build and all, rather than the built server entry: the build takes ~3 s and
 * the README's command is what this test is about. Runs in the private network namespace with the other
 * node tests (scripts/in-netns.sh), and on the machine's own network in `npm test`'s last stage.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, findChrome } from '../../scripts/find-chrome.mjs';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Settings a newcomer has not set: none of ours may leak in from the environment running the tests. */
const SETTINGS = /^(CALLS_|SFU_|TOKEN_|TURN_|OPEN_TOKENS$|ALLOWED_ORIGINS$|HOST$|PORT$|ROOM_SIZE_LIMIT$)/;

let server: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = once(server, 'exit');
    process.kill(-server.pid, 'SIGTERM'); // npm, its shell and node: the group this test started
    await exited;
  }
});

/** Starts `npm start` on a port of its own and resolves with the URL it prints. */
async function npmStart(): Promise<string> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !SETTINGS.test(key)),
  );
  env.PORT = '0';
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env,
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

/** Opens the demo room like a person would: the page, then Join. */
async function joinDemo(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/room.html?room=newcomer&name=${name}`);
  await page.locator('calls-room [part="join-button"]').click();
}

/**
 * Resolves once this page decodes video from a participant other than itself. A string, not a function:
 * tsx's transform adds helpers to functions that do not exist in the page.
 */
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

function remoteVideo(page: Page): Promise<unknown> {
  return page.waitForFunction(REMOTE_VIDEO, undefined, { timeout: 30_000, polling: 100 });
}

void test(
  'npm start, then /room.html in two tabs: both see the other one’s video',
  { timeout: 120_000 },
  async () => {
    const executablePath = findChrome();
    assert.ok(executablePath, 'No Chromium: apt-get install -y chromium, or set CHROME_PATH');
    const [url, launched] = await Promise.all([
      npmStart(),
      chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS }),
    ]);
    browser = launched;
    const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
    const errors: string[] = [];
    const [ada, bo] = await Promise.all([context.newPage(), context.newPage()]);
    for (const page of [ada, bo]) {
      page.on('console', (m) => {
        if (m.text().startsWith('calls-error')) errors.push(m.text());
      });
    }
    await Promise.all([joinDemo(ada, url, 'Ada'), joinDemo(bo, url, 'Bo')]);
    try {
      await Promise.all([remoteVideo(ada), remoteVideo(bo)]);
    } catch (error) {
      throw new Error(`no remote video (${errors.join('; ') || 'no calls-error'}): ${String(error)}`, {
        cause: error,
      });
    }
    assert.deepEqual(errors, []);
  },
);
