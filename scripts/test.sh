#!/usr/bin/env bash
# `npm test`: type checks, lint, node tests, browser tests. Stops at the first failing stage.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() { printf '\n== %s ==\n' "$1"; }

stage "type check"
npx tsc -p tsconfig.json

stage "lint"
npx eslint .
npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }

stage "node tests"
bash scripts/in-netns.sh node --import tsx --test --test-concurrency=1 --test-reporter=spec 'test/**/*.node.test.ts'

stage "browser tests"
bash scripts/browser-tests.sh
