// Browser tests: real Chromium (Debian's, or CHROME_PATH) driven by Playwright, against the real embedded SFU
// and backend, which the `calls-servers` plugin starts in this Node process for the whole run.
import { playwrightLauncher } from '@web/test-runner-playwright';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { CHROMIUM_ARGS, findChrome } from './scripts/find-chrome.mjs';
import { callsServersPlugin, partyTracksMiddleware } from './test/helpers/servers-plugin.ts';
import { recordingProbePlugin } from './test/helpers/recording-plugin.ts';

const executablePath = findChrome();
if (!executablePath) {
  throw new Error('No Chromium found: `apt-get install -y chromium`, or set CHROME_PATH.');
}

export default {
  files: ['test/**/*.browser.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  concurrentBrowsers: 1,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testsFinishTimeout: 600_000,
  testFramework: { config: { timeout: 60_000 } },
  // Cloudflare's partytracks client talks to `/partytracks/*` on the page's origin (test/client/partytracks…).
  middleware: [partyTracksMiddleware()],
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    callsServersPlugin(),
    recordingProbePlugin(),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: { executablePath, headless: true, args: CHROMIUM_ARGS },
      createBrowserContext: ({ browser }) => browser.newContext({ permissions: ['camera', 'microphone'] }),
    }),
  ],
};
