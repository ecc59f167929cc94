/**
 * partytracks' build reads `process.env.NODE_ENV` (from tiny-invariant), which an app's bundler replaces;
 * the test runner serves node_modules unbundled, so the page gets the value here. Import it first.
 */
const scope = globalThis as { process?: { env: Record<string, string> } };
scope.process ??= { env: { NODE_ENV: 'development' } };
export {};
