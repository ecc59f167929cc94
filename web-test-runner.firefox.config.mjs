// The browser tests that matter for media, again in Firefox (Debian's firefox-esr, or FIREFOX_PATH), driven
// headless over WebDriver BiDi by puppeteer-core, against the same real SFU and backend as the Chromium run.
import puppeteer from 'puppeteer-core';
import { ChromeLauncher } from '@web/test-runner-chrome';
import chromium from './web-test-runner.config.mjs';
import { FIREFOX_PREFS, findFirefox } from './scripts/find-firefox.mjs';

const executablePath = findFirefox();
if (!executablePath) {
  throw new Error('No Firefox found: `apt-get install -y firefox-esr`, or set FIREFOX_PATH.');
}

/**
 * Every browser test runs in Firefox too, but for these five (each a known gap, see the README):
 * - the screen-share test: Firefox's getDisplayMedia needs a user gesture, and the test has none to give;
 * - the Room model test: it waits for an active speaker, which Firefox's fake microphone never produced here
 *   (not yet investigated);
 * - the lost-SFU-session test: after the replacement, one participant pulls the other's chat channel before
 *   the other's new session has published it (`chat-failed`, `not_found_track_error`): a client ordering
 *   race that Firefox's slower setup exposes;
 * - the backend-restart test: in about one run of three, after the restart's re-pulls, Firefox refuses an SFU
 *   offer that "attempted to remap RTP extension id 4 from abs-send-time to sdes:mid"; keeping every id the
 *   SFU ever mapped (ExtensionIdHistory) did not stop it, and the cause is not yet found.
 * - the recording test: Firefox ESR's MediaRecorder hands out only empty blobs until stop() (measured here
 *   with a timeslice and with requestData(), for canvas and camera streams), so the chunked upload that the
 *   test checks never starts (and the stop's one chunk was not stored either in our run: not yet investigated).
 * The widget call with one Chromium and one Firefox participant is test/elements/cross-browser.node.test.ts.
 */
export const FIREFOX_SKIPPED = [
  'test/elements/calls-room-screen.browser.test.ts',
  'test/client/room.browser.test.ts',
  'test/elements/calls-room-reconnect.browser.test.ts',
  'test/elements/calls-room-backend-restart.browser.test.ts',
  'test/elements/calls-room-recording.browser.test.ts',
];

export const FIREFOX_FILES = ['test/**/*.browser.test.ts', ...FIREFOX_SKIPPED.map((f) => `!${f}`)];

/**
 * @web/test-runner-puppeteer wraps the same ChromeLauncher, but depends on `puppeteer`, whose install downloads
 * a browser. ChromeLauncher 0.18 still calls `browser.isConnected()`, which puppeteer-core 25 replaced with
 * `browser.connected`.
 */
class FirefoxLauncher extends ChromeLauncher {
  async launchBrowser(options) {
    const browser = await super.launchBrowser(options);
    browser.isConnected ??= () => browser.connected;
    return browser;
  }
}

export default {
  ...chromium,
  files: FIREFOX_FILES,
  browsers: [
    new FirefoxLauncher(
      {
        browser: 'firefox',
        executablePath,
        headless: true,
        extraPrefsFirefox: FIREFOX_PREFS,
      },
      ({ browser }) => browser.defaultBrowserContext(),
      ({ context }) => context.newPage(),
      puppeteer,
    ),
  ],
};
