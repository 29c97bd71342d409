/**
 * Crash child of test/regress/issue-3-abort-large-upload-crash.test.ts: a large multipart upload,
 * then its Abort, killed with SIGKILL at a moment the parent picks (kill-child.ts).
 *
 *   node abort-drain-writer.js <dataDir> <parts>
 *
 * Local backend, strict durability. Uploads `parts` parts of PART bytes (a 32 KiB file chunk and an
 * 8 KiB LMDB blob chunk each), prints `aborting`, aborts, prints `aborted` once the Abort answered.
 * From then on every transaction that commits is announced (`tx`, n) and the next one waits
 * TX_PAUSE_MS: the parent's kill at line `tx` n lands after exactly n transactions of the Abort's
 * background drain. Then `drained` when the intent is gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import type { MetaTx } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';

/** The bucket, key and sizes the parent also uses. */
export const DRAIN_BUCKET = 'bkt';
export const DRAIN_KEY = 'big';
export const DRAIN_CHUNK = 32 * 1024;
export const DRAIN_PART = 40 * 1024;
/** Engine options of the child and of the parent that reopens its store. */
export const DRAIN_ENGINE_OPTS = { minPartSize: 4096, holdMs: 0, digestWorker: false } as const;
const TX_PAUSE_MS = 200;

/** One stdout line. */
export type DrainLine =
  | { t: 'ready'; uploadId: string }
  | { t: 'aborting' }
  | { t: 'aborted' }
  | { t: 'tx'; n: number }
  | { t: 'drained' };

/** The content of part `n` (distinct per part, so every chunk is stored, none deduplicated). */
export function drainPartBytes(n: number): Buffer {
  const b = Buffer.alloc(DRAIN_PART, n & 0xff);
  b.writeUInt32BE(n, 0);
  b.writeUInt32BE(n, DRAIN_CHUNK);
  return b;
}

const say = (l: DrainLine): void => void process.stdout.write(`${JSON.stringify(l)}\n`);

async function main(dir: string, parts: number): Promise<void> {
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'strict' });
  const engine = await createEngine(backend, DRAIN_ENGINE_OPTS);
  await engine.createBucket(DRAIN_BUCKET, { owner: 't', chunkSize: DRAIN_CHUNK });
  const up = await engine.createUpload({ bucket: DRAIN_BUCKET, key: DRAIN_KEY }, {});
  for (let n = 1; n <= parts; n++) {
    await engine.putPart(DRAIN_BUCKET, up.uploadId, n, (async function* () {
      yield drainPartBytes(n);
    })());
  }
  say({ t: 'ready', uploadId: up.uploadId });
  const meta = backend.meta;
  const real = meta.transaction.bind(meta);
  let n = 0;
  let paused = false;
  say({ t: 'aborting' });
  await engine.abortUpload(DRAIN_BUCKET, up.uploadId);
  paused = true;
  say({ t: 'aborted' });
  // The drain's first transaction started inside abortUpload; every later one waits for its turn.
  meta.transaction = (async <R>(fn: (tx: MetaTx) => R, o?: Parameters<typeof real>[1]) => {
    if (paused) await sleep(TX_PAUSE_MS);
    const r = await real(fn, o);
    say({ t: 'tx', n: ++n });
    return r;
  });
  // The upload's intent is the store's only one (no single PUT ran).
  for (;;) {
    let left = false;
    for await (const _ of meta.range({ ...prefixRange(Buffer.from([T.INTENT])), limit: 1 })) left = true;
    if (!left) break;
    await sleep(5);
  }
  say({ t: 'drained' });
  // Wait for the kill.
  await sleep(60_000);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]!, Number(process.argv[3]));
