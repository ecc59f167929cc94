/** The Chromium executable for browser tests and benchmarks: CHROME_PATH, else Debian's. */
export function findChrome(): string | undefined;
