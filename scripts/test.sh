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
# Node 20's test runner does not expand globs itself.
shopt -s globstar nullglob
node_tests=(test/**/*.node.test.ts)
bash scripts/in-netns.sh node --import tsx --test --test-concurrency=1 "${node_tests[@]}"

stage "browser tests"
npm run --silent build:widget # test/elements/script-tag.browser.test.ts loads the built dist/widget/calls-room.js
bash scripts/browser-tests.sh

stage "browser tests in Firefox"
bash scripts/browser-tests.sh --firefox
