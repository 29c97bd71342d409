/**
 * Crash child of test/regress/issue-3-failed-put-drain-crash.test.ts: a large PUT whose body fails
 * at its end, killed with SIGKILL while its intent is being dropped (kill-child.ts).
 *
 *   node failed-put-drain-writer.js <dataDir> <chunks>
 *
 * Local backend, strict durability. Streams `chunks` distinct chunks of PUT_CHUNK bytes (files, not
 * LMDB blobs), waits until all but the last (still in its buffer) are recorded under the PUT's
 * intent, prints `failing` and ends the body with an error. From then on every transaction that
 * commits is announced (`tx`, n) and the next one waits TX_PAUSE_MS: they are the drop's (nothing
 * else writes), so the parent's kill at line `tx` n lands after exactly n of them. Then `failed`
 * once the PUT answered.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../src/engine/index.js';
import { prefixRange, T } from '../../src/engine/keys.js';
import type { MetaTx } from '../../src/storage/contract/index.js';
import { createLocalBackend } from '../../src/storage/local/index.js';

/** The bucket, key and sizes the parent also uses. */
export const PUT_BUCKET = 'bkt';
export const PUT_KEY = 'big';
export const PUT_CHUNK = 32 * 1024;
/** Engine options of the child and of the parent that reopens its store. */
export const PUT_ENGINE_OPTS = { holdMs: 0, digestWorker: false } as const;
const TX_PAUSE_MS = 200;

/** One stdout line. */
export type PutDrainLine = { t: 'failing' } | { t: 'tx'; n: number } | { t: 'failed'; error: string };

const say = (l: PutDrainLine): void => void process.stdout.write(`${JSON.stringify(l)}\n`);

async function main(dir: string, chunks: number): Promise<void> {
  const backend = await createLocalBackend({ dataDirs: [dir], durability: 'strict' });
  const engine = await createEngine(backend, PUT_ENGINE_OPTS);
  await engine.createBucket(PUT_BUCKET, { owner: 't', chunkSize: PUT_CHUNK });
  const meta = backend.meta;
  const members = async (): Promise<number> => {
    let n = 0;
    for await (const _ of meta.range(prefixRange(Buffer.from([T.MEMBER])))) n++;
    return n;
  };
  const real = meta.transaction.bind(meta);
  let n = 0;
  async function* body(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < chunks; i++) {
      const c = Buffer.alloc(PUT_CHUNK, i & 0xff);
      c.writeUInt32BE(i, 0);
      yield c;
    }
    while ((await members()) < chunks - 1) await sleep(5);
    say({ t: 'failing' });
    meta.transaction = (async <R>(fn: (tx: MetaTx) => R, o?: Parameters<typeof real>[1]) => {
      if (n > 0) await sleep(TX_PAUSE_MS);
      const r = await real(fn, o);
      say({ t: 'tx', n: ++n });
      return r;
    });
    throw new Error('client went away');
  }
  const error = await engine.putObject({ bucket: PUT_BUCKET, key: PUT_KEY }, body()).then(() => 'none', (e: Error) => e.message);
  say({ t: 'failed', error });
  // Wait for the kill.
  await sleep(60_000);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2]!, Number(process.argv[3]));
