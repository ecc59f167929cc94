/** The Chromium executable for browser tests and benchmarks: CHROME_PATH, else Debian's. */
export function findChrome(): string | undefined;

/** Flags for every Chromium the tests and benchmarks start. */
export const CHROMIUM_ARGS: string[];
