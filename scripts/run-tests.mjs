#!/usr/bin/env node
// Runs node:test over the compiled tests. Node 20's `node --test` takes no globs, so list the files
// here. Usage: node scripts/run-tests.mjs [dir-under-dist/test ...] (default: all of dist/test).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['dist/test', 'dist/conformance'];
const files = [];
for (const root of roots) {
  try { statSync(root); } catch { continue; }
  if (root.endsWith('.test.js')) { files.push(root); continue; }
  for (const f of readdirSync(root, { recursive: true })) {
    if (String(f).endsWith('.test.js')) files.push(join(root, String(f)));
  }
}
files.sort();
if (files.length === 0) {
  console.error('run-tests: no test files found under', roots.join(', '));
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
