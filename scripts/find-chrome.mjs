// Prints the Chromium executable the browser tests use: CHROME_PATH, else Debian's /usr/bin/chromium.
import { firstExecutable, printOrFail } from './find-executable.mjs';

/** Flags for every Chromium the tests and benchmarks start (design.md, "Test environment facts"). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export function findChrome() {
  return firstExecutable([process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printOrFail(
    findChrome(),
    "No Chromium found: install Debian's with `apt-get install -y chromium`, or set CHROME_PATH to a Chromium/Chrome binary.",
  );
}
