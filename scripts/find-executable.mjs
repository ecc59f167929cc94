// Finding a browser binary for tests and benchmarks: the first executable of a list, or a clear failure.
import { accessSync, constants } from 'node:fs';

/** The first of `candidates` (unset ones skipped) that this user may execute. */
export function firstExecutable(candidates) {
  for (const path of candidates) {
    if (typeof path !== 'string' || path.length === 0) continue;
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/** Run as a script: prints the path, or says how to install the browser and exits 1. */
export function printOrFail(path, missing) {
  if (!path) {
    console.error(missing);
    process.exit(1);
  }
  console.log(path);
}
