/** The Firefox executable for browser tests: FIREFOX_PATH, else Debian's firefox-esr. */
export function findFirefox(): string | undefined;

/** Preferences for every Firefox the tests start: fake camera and microphone, autoplay. */
export const FIREFOX_PREFS: Record<string, boolean | number | string>;
