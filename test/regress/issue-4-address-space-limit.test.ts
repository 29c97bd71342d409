/**
 * README ("Virtual memory") promised that under an address-space limit (`ulimit -v`) the gateway
 * works, with plain buffers instead of the WebAssembly staging memories. Run as a user would, it
 * did not below ~6.5 GiB: LMDB reserves its whole 4 GiB map when it opens, and what was left did
 * not carry Node. `ccow serve` under `ulimit -v 6000000` started and printed its banner, then died
 * during the first large upload ("Fatal process OOM in Failed to reserve virtual memory for
 * CodeRange", SIGTRAP, the upload cut off); under `ulimit -v 5000000` serve and `ccow fsck` died
 * with a segmentation fault while opening the store (exit 139), no `ccow:` line either way.
 *
 * Now a limit below LMDB's map + 4 GiB is refused before anything is opened or created: exit 1
 * (the system refuses, README's rule) with one `ccow:` line naming the limit and what is needed.
 * A limit above that (9 GiB) still serves, and a large PUT and GET go through the fallback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { checkAddressSpace, CliError } from '../../src/cli/compose.js';
import { CLI, cleanEnv, runCli, type CliResult } from '../helpers/cli.js';

const LISTENING = /listening on (\S+)\s+access key: (\S+)\s+secret key: (\S+)/;

/** `ccow <args>` under `ulimit -v kib`; a serve that prints its banner is handed back running. */
function runLimited(kib: number, args: string[]): Promise<CliResult & { stop?: () => Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `ulimit -v ${kib} && exec "$0" "$@"`, process.execPath, CLI, ...args], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(code ?? (signal ? 128 : null))));
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (LISTENING.test(stdout)) {
        resolve({ code: null, stdout, stderr, stop: () => { child.kill('SIGTERM'); return exited; } });
      }
    });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    void exited.then((code) => resolve({ code, stdout, stderr }));
  });
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-ulimit-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function assertRefused(r: CliResult & { stop?: () => Promise<number | null> }, what: string): void {
  assert.equal(r.stop, undefined, `${what}: must not serve under the limit\n${r.stdout}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^ccow: the address-space limit \(ulimit -v\) of [\d.]+ GiB is too small: ccow needs at least 8 GiB .*ulimit -v 8388608/, what);
  assert.equal(r.code, 1, `${what}: exit status`);
}

test('ccow serve under ulimit -v 6000000 is refused before it serves, and creates no data dir', async (t) => {
  const dir = await tempDir(t);
  const data = join(dir, 'data');
  const r = await runLimited(6_000_000, ['serve', '--listen', '127.0.0.1:0', '--data', data]);
  t.after(async () => { await r.stop?.(); });
  assertRefused(r, 'serve, 6000000 KiB');
  await assert.rejects(access(data), { code: 'ENOENT' }, 'no data dir created');
});

test('ccow fsck under ulimit -v 5000000 says why instead of a segmentation fault', async (t) => {
  const dir = await tempDir(t);
  const data = join(dir, 'data');
  // Create the store without a limit.
  const made = await runCli(['serve', '--listen', '127.0.0.1:0', '--data', data]);
  assert.match(made.stdout, /listening on/, made.stderr);
  assertRefused(await runLimited(5_000_000, ['fsck', '--data', data]), 'fsck, 5000000 KiB');
  assertRefused(await runLimited(5_000_000, ['serve', '--listen', '127.0.0.1:0', '--data', data]), 'serve, 5000000 KiB');
});

test('under ulimit -v 9 GiB the gateway serves; a 24 MiB object goes in and comes back', async (t) => {
  const dir = await tempDir(t);
  const r = await runLimited(9 * 1024 * 1024, ['serve', '--listen', '127.0.0.1:0', '--data', join(dir, 'data')]);
  t.after(async () => { await r.stop?.(); });
  assert.ok(r.stop, `serves under 9 GiB\n${r.stderr}`);
  const [, url, accessKeyId, secretAccessKey] = LISTENING.exec(r.stdout)!;
  const s3 = new S3Client({ endpoint: url!, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey! } });
  t.after(() => s3.destroy());
  const body = randomBytes(24 * 1024 * 1024);
  await s3.send(new CreateBucketCommand({ Bucket: 'limited' }));
  await s3.send(new PutObjectCommand({ Bucket: 'limited', Key: 'big', Body: body }));
  const got = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'limited', Key: 'big' }))).Body!.transformToByteArray());
  assert.ok(got.equals(body), 'same bytes back');
  assert.equal(await r.stop(), 0, 'clean exit after SIGTERM');
});

test('checkAddressSpace reads /proc/self/limits: unlimited or enough passes, too little is refused', async () => {
  const limits = (soft: string): string => `Limit                     Soft Limit           Hard Limit           Units\nMax address space         ${soft}            unlimited            bytes\n`;
  const map = 4 * 1024 ** 3;
  await checkAddressSpace(map, limits('unlimited'));
  await checkAddressSpace(map, limits(String(8 * 1024 ** 3)));
  await checkAddressSpace(map, '');
  await assert.rejects(checkAddressSpace(map, limits(String(6 * 1024 ** 3))), (e: unknown) =>
    e instanceof CliError && e.exitCode === 1 && /of 6 GiB is too small: ccow needs at least 8 GiB/.test(e.message));
  // A smaller map needs less.
  await checkAddressSpace(1024 ** 3, limits(String(6 * 1024 ** 3)));
});
