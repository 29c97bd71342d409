/**
 * Boots the servers the suite runs against:
 * - `ccow`: this gateway, in process, on the local backend (LMDB + chunk files) in a temp dir, with
 *   a second user for isolation cases. Durability is `relaxed` (no fsync per write): the suite checks
 *   protocol behaviour, and crash safety has its own tests (test/integration).
 * - `s3rver`: the s3rver devDependency in a child process (`node --openssl-legacy-provider`, as its
 *   old dependencies need on Node ≥ 17), on a temp dir, with its fixed keys S3RVER/S3RVER and no
 *   second user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../../test/helpers/gateway.js';
import type { TargetInfo } from './ctx.js';
import type { TargetName } from './types.js';

/** A running target and how to stop it. */
export interface RunningTarget {
  info: TargetInfo;
  close(): Promise<void>;
}

/** The target names `--target` accepts. */
export const TARGETS: readonly TargetName[] = ['ccow', 's3rver'];

/** Boot a target by name. */
export async function startTarget(name: TargetName): Promise<RunningTarget> {
  return name === 'ccow' ? startCcow() : startS3rver();
}

async function startCcow(): Promise<RunningTarget> {
  const gw = await startGateway({
    backend: 'local',
    local: { durability: 'relaxed' },
    users: [{ name: 'other' }],
  });
  const other = gw.users[1]!;
  return {
    info: {
      target: 'ccow',
      endpoint: gw.url,
      region: gw.region,
      accessKey: gw.accessKey,
      secretKey: gw.secretKey,
      other: { accessKey: other.accessKey, secretKey: other.secretKey },
    },
    close: () => gw.close(),
  };
}

/** s3rver's built-in credentials (s3rver README: "S3RVER" / "S3RVER"). */
const S3RVER_KEYS = { accessKey: 'S3RVER', secretKey: 'S3RVER' };

async function startS3rver(): Promise<RunningTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-child.js', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await readPort(child);
    return {
      info: { target: 's3rver', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', ...S3RVER_KEYS },
      close: async () => {
        await stopChild(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The child prints `port=N` once s3rver listens. */
function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /port=(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited with ${code} before listening`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
