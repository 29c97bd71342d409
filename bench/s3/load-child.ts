/**
 * A load generator in its own process, for s3-frontend-bench's HTTP column: the parent serves the
 * gateway in-process and measures its own CPU time while this child sends the requests. Commands
 * arrive over IPC as `{ op, n, from }`; the child answers `{ done: true }` or `{ error }`.
 *
 * argv: endpoint accessKeyId secretAccessKey
 */
import { randomBytes } from 'node:crypto';
import { BenchClient } from './client.js';

interface Command {
  op: 'put' | 'get' | 'head' | 'list';
  n: number;
  prefix: string;
  /** list: start-after keys of each page ('' = from the start). */
  after?: string[];
}

const [endpoint, accessKeyId, secretAccessKey] = process.argv.slice(2) as [string, string, string];
const client = new BenchClient(endpoint, { accessKeyId, secretAccessKey });
const base = randomBytes(4096);
const key = (prefix: string, i: number): string => `${prefix}/${i.toString().padStart(8, '0')}`;

async function run(c: Command): Promise<void> {
  let next = 0;
  const total = c.op === 'list' ? c.after!.length : c.n;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < total) {
      const i = next++;
      if (c.op === 'put') {
        const body = Buffer.from(base);
        body.writeUInt32LE(i, 0);
        await client.ok({ method: 'PUT', path: `/bench/${key(c.prefix, i)}`, body });
      } else if (c.op === 'get' || c.op === 'head') {
        await client.ok({ method: c.op === 'get' ? 'GET' : 'HEAD', path: `/bench/${key(c.prefix, i)}` });
      } else {
        const after = c.after![i]!;
        await client.ok({ method: 'GET', path: '/bench', query: `list-type=2&max-keys=1000&prefix=${c.prefix}%2F${after ? `&start-after=${encodeURIComponent(after)}` : ''}` });
      }
    }
  }));
}

process.on('message', (c: Command) => {
  run(c).then(() => process.send!({ done: true }), (e: unknown) => process.send!({ error: String(e) }));
});
process.on('disconnect', () => {
  void client.close().finally(() => process.exit(0));
});
process.send!({ ready: true });
