/**
 * Issue #4 (peak RSS), found in session 20: Node 24 — the Docker image's runtime — sizes V8's young
 * generation from the heap limit and grew it to 128 MiB under the gateway's 4 KiB requests (Node
 * 20: 32 MiB), +72–78 MiB resident at the bench's peak with no CPU gained (bench/RESULTS.md).
 * bin/node-tuned now caps it at two 16 MiB semi-spaces (`--max-semi-space-size=16`, Node 20's
 * default). An allocation loop with some survival, as a busy server has, must leave the new space
 * at 32 MiB or less. Without the flag this fails on Node 24 (128 MiB, checked by hand) and passes
 * on Node 20, whose default is the same cap: CI runs both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

const LOOP = `
const v8 = require('node:v8');
const ring = new Array(20000);
let max = 0;
for (let i = 0; i < 3e6; i++) {
  ring[i % ring.length] = { a: i, b: 'x' + i, c: [i, i + 1, i + 2] };
  if (i % 10000 === 0) max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
console.log(max);
`;

test('bin/node-tuned keeps V8\'s young generation at 32 MiB or less (Node 24 grew it to 128 MiB)', async () => {
  const { stdout } = await run(join(process.cwd(), 'bin/node-tuned'), ['-e', LOOP], { env: { PATH: process.env.PATH, NODE: process.execPath } });
  const max = Number(stdout.trim());
  assert.ok(max > 0, `new space size read: ${stdout}`);
  assert.ok(max <= 32 * 1024 * 1024, `new space grew to ${(max / 1048576).toFixed(0)} MiB on ${process.version}`);
});
