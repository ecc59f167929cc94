#!/usr/bin/env bash
# Browser tests in real Chromium (web-test-runner), in a private network namespace when possible (in-netns.sh).
# With --firefox first: the media tests of web-test-runner.firefox.config.mjs in Firefox ESR instead.
set -euo pipefail
cd "$(dirname "$0")/.."
config=web-test-runner.config.mjs
if [ "${1:-}" = "--firefox" ]; then
  shift
  config=web-test-runner.firefox.config.mjs
  node scripts/find-firefox.mjs >/dev/null
fi
node scripts/find-chrome.mjs >/dev/null
bash scripts/in-netns.sh node --import tsx node_modules/@web/test-runner/dist/bin.js --config "$config" "$@"
