// Prints the Firefox executable the browser tests use: FIREFOX_PATH, else Debian's /usr/bin/firefox-esr.
import { firstExecutable, printOrFail } from './find-executable.mjs';

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
  return firstExecutable([process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printOrFail(
    findFirefox(),
    "No Firefox found: install Debian's with `apt-get install -y firefox-esr`, or set FIREFOX_PATH to a Firefox binary.",
  );
}
