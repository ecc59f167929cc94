// Prints the Firefox executable the browser tests use: FIREFOX_PATH, else Debian's /usr/bin/firefox-esr.
import { accessSync, constants } from 'node:fs';

/**
 * Preferences for every Firefox the tests start (design.md, "Test environment facts"): fake camera and
 * microphone without a permission prompt, and media that may play without a user gesture. Nothing about the
 * network: Firefox, as users have it, sends no ICE check to 127.0.0.1.
 */
export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.autoplay.default': 0,
};

export function findFirefox() {
  const candidates = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox'].filter(
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
  const path = findFirefox();
  if (!path) {
    console.error(
      "No Firefox found: install Debian's with `apt-get install -y firefox-esr`, or set FIREFOX_PATH to a Firefox binary.",
    );
    process.exit(1);
  }
  console.log(path);
}
