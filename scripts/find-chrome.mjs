// Prints the Chromium executable the browser tests use: CHROME_PATH, else Debian's /usr/bin/chromium.
import { accessSync, constants } from 'node:fs';

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
  const candidates = [process.env.CHROME_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p) => typeof p === 'string' && p.length > 0,
  );
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = findChrome();
  if (!path) {
    console.error(
      "No Chromium found: install Debian's with `apt-get install -y chromium`, or set CHROME_PATH to a Chromium/Chrome binary.",
    );
    process.exit(1);
  }
  console.log(path);
}
