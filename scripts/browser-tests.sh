#!/usr/bin/env bash
# Browser tests in real Chromium (web-test-runner), in a private network namespace when possible (in-netns.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/find-chrome.mjs >/dev/null
bash scripts/in-netns.sh node --import tsx node_modules/@web/test-runner/dist/bin.js --config web-test-runner.config.mjs "$@"
