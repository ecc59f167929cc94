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
 * Publish and pull with decoded frames, simulcast layer switches, data channels, partytracks. The widget call
 * with one Chromium and one Firefox participant is test/elements/cross-browser.node.test.ts. Not yet here:
 * test/client/sfu-session.browser.test.ts (3 of its 12 fail in Firefox: after an SFU offer that closes one
 * pull, another pull of the same session receives nothing; one expects Chromium's bitrate ramp) and
 * test/elements/calls-room.browser.test.ts.
 */
export const FIREFOX_FILES = [
  'test/sfu/media.browser.test.ts',
  'test/sfu/simulcast.browser.test.ts',
  'test/sfu/datachannels.browser.test.ts',
  'test/client/partytracks.browser.test.ts',
];

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
