/**
 * The admin socket's wire format (src/cli/admin-socket.ts, `ccow-admin/1`) against its golden
 * fixtures: the request line a CLI sends and the reply line a gateway answers, one JSON line each.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { callAdminSocket, serveAdminSocket } from '../../../src/cli/admin-socket.js';
import type { Stack } from '../../../src/cli/compose.js';
import { createEngine } from '../../../src/engine/index.js';
import { createMemoryBackend } from '../../../src/storage/memory/index.js';

const fixture = (name: string): string => readFileSync(join(process.cwd(), 'test/fixtures/cli', name), 'utf8');

/** Send `line` to the socket at `path`; the reply line. */
function exchange(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path, () => s.write(line));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (buf += c));
    s.on('end', () => resolve(buf));
    s.on('error', reject);
  });
}

test('ccow-admin/1: the fixture request gets the fixture reply; bad requests are refused with exit 2', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-adm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const backend = createMemoryBackend();
  const engine = await createEngine(backend);
  const stack = { backend, engine, close: () => engine.close() } as unknown as Stack;
  const server = await serveAdminSocket([dir], stack, pino({ level: 'silent' }));
  assert.ok(server);
  t.after(async () => {
    await server.close();
    await engine.close();
  });
  const path = join(dir, 'admin.sock');

  const reply = JSON.parse(await exchange(path, fixture('admin-request-v1.jsonl'))) as { out: string[] };
  const tenant = (await engine.getUser('FIXTUREADMINKEY00001'))?.tenantId;
  assert.match(tenant ?? '', /^[0-9a-f]{64}$/);
  const expected = JSON.parse(fixture('admin-reply-v1.jsonl').replace('<64 hex>', tenant!)) as unknown;
  assert.deepEqual(reply, expected);

  // The client side reads the same format: output printed, an error thrown with its exit status.
  const lines: string[] = [];
  assert.equal(await callAdminSocket([dir], 'userList', [], (l) => lines.push(l)), 0);
  assert.match(lines.join('\n'), /^FIXTUREADMINKEY00001\tcarol\t/m);
  await assert.rejects(callAdminSocket([dir], 'userRemove', ['NOPE'], () => undefined), { message: 'no user with access key NOPE', exitCode: 1 });

  for (const bad of ['not json\n', '{"v":"ccow-admin/2","op":"userList","args":[]}\n', '{"v":"ccow-admin/1","op":"fsck","args":[]}\n', '{"v":"ccow-admin/1","op":"toString","args":[]}\n']) {
    const r = JSON.parse(await exchange(path, bad)) as { v: string; code: number; err?: string };
    assert.equal(r.v, 'ccow-admin/1', bad);
    assert.equal(r.code, 2, bad);
    assert.ok(r.err, bad);
  }
  // No socket: undefined, so the CLI reports the data dir as in use.
  assert.equal(await callAdminSocket([join(dir, 'none')], 'userList', [], () => undefined), undefined);
});

test('a connection that sends no complete request line is closed after the request timeout; others are served meanwhile', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-adm-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const backend = createMemoryBackend();
  const engine = await createEngine(backend);
  const stack = { backend, engine, close: () => engine.close() } as unknown as Stack;
  const server = await serveAdminSocket([dir], stack, pino({ level: 'silent' }), { requestTimeoutMs: 300 });
  assert.ok(server);
  t.after(async () => {
    await server.close();
    await engine.close();
  });
  const path = join(dir, 'admin.sock');
  // One silent client, one that dribbles a byte every 100 ms without ever ending its line.
  const closedAfter = (dribble: boolean): Promise<number> => new Promise((resolve, reject) => {
    const started = Date.now();
    const s = createConnection(path);
    const timer = dribble ? setInterval(() => s.write('{'), 100) : undefined;
    s.on('close', () => {
      clearInterval(timer);
      resolve(Date.now() - started);
    });
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e)));
  });
  const silent = closedAfter(false);
  const dribbling = closedAfter(true);
  // A real command still gets its answer while they wait.
  const lines: string[] = [];
  assert.equal(await callAdminSocket([dir], 'userList', [], (l) => lines.push(l)), 0);
  for (const ms of await Promise.all([silent, dribbling])) {
    assert.ok(ms >= 250 && ms < 5_000, `closed after ${ms} ms`);
  }
});
