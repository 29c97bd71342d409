/**
 * The two servers of `npm run bench:s3`, each in its own child process so that its memory is
 * measured apart from the client's:
 *
 *   - this gateway as `ccow serve` composes it: `node <build>/src/cli/main.js serve` on a fresh
 *     temp data dir (local backend, strict durability by default), keys from CCOW_ACCESS_KEY /
 *     CCOW_SECRET_KEY, its log written to a file in the temp dir (not piped through the bench);
 *   - s3rver 3.7.1 (the Node S3 server a JS user would otherwise pick), under
 *     `node --openssl-legacy-provider`: on Node ≥ 17 its truncated ListObjectsV2 pages otherwise
 *     fail with 500 (it encrypts continuation tokens with a cipher OpenSSL 3 moved to "legacy").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { openSync, closeSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchCredentials } from './client.js';

/** A server under test. */
export interface BenchServer {
  name: string;
  url: string;
  pid: number;
  credentials: BenchCredentials;
  dataDir: string;
  /** Peak resident set since the last `resetPeak()`, in bytes (max of VmHWM and polled VmRSS). */
  peakRss(): number;
  /** Peak anonymous resident memory (heap, buffers; not the mapped LMDB file) since `resetPeak()`, polled every 50 ms. */
  peakAnon(): number;
  /** Start a new peak window. */
  resetPeak(): void;
  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Options of startGateway. */
export interface GatewayBenchOptions {
  durability?: 'strict' | 'relaxed';
  /** Directory for `--cpu-prof` output; profiling is off when absent. */
  cpuProfDir?: string;
  logLevel?: string;
  /** Parent of the temp data dir. */
  tmpRoot: string;
  /** Extra environment (e.g. CCOW_* settings). */
  env?: Record<string, string>;
  /** `main.js` of another build (A/B comparisons); default: the build this file belongs to. */
  main?: string;
  /** Name shown in the results. */
  name?: string;
}

const GATEWAY_KEYS: BenchCredentials = { accessKeyId: 'BENCHACCESSKEY000001', secretAccessKey: 'benchSecretKey0000000000000000000000000001' };
const S3RVER_KEYS: BenchCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** bin/node-tuned of this checkout: the gateway runs under the same settings as `ccow` / `npm start`. */
const NODE_TUNED = join(process.cwd(), 'bin', 'node-tuned');

/** The gateway's entry point in the same build as this file (dist/ or a private outDir). */
function gatewayMain(): string {
  return fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
}

/** Start `ccow serve` on 127.0.0.1 (port 0: the banner tells the bound port). */
export async function startGatewayServer(o: GatewayBenchOptions): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(o.tmpRoot, 'ccow-s3bench-gw-'));
  const logFile = join(dataDir, '..', `${dataDir.split('/').pop()}.log`);
  const args = [];
  if (o.cpuProfDir) {
    mkdirSync(o.cpuProfDir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`);
  }
  args.push(o.main ?? gatewayMain(), 'serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--durability', o.durability ?? 'strict', '--log-level', o.logLevel ?? 'info');
  const out = openSync(logFile, 'w');
  const child = spawn(NODE_TUNED, args, {
    stdio: ['ignore', out, out],
    env: { ...process.env, NODE: process.execPath, ...o.env, CCOW_ACCESS_KEY: GATEWAY_KEYS.accessKeyId, CCOW_SECRET_KEY: GATEWAY_KEYS.secretAccessKey },
  });
  closeSync(out);
  const url = await waitFor(child, 'gateway', () => /listening on (https?:\/\/\S+)/.exec(readFileSync(logFile, 'utf8'))?.[1], logFile);
  return serverHandle(o.name ?? 'ccow gateway', url, child, GATEWAY_KEYS, dataDir, async () => {
    await rm(logFile, { force: true });
  });
}

/** Start s3rver on a free loopback port. */
export async function startS3rver(o: { tmpRoot: string }): Promise<BenchServer> {
  const dataDir = await mkdtemp(join(o.tmpRoot, 'ccow-s3bench-s3rver-'));
  const port = await freePort();
  const bin = createRequire(import.meta.url).resolve('s3rver/bin/s3rver.js');
  const logFile = join(dataDir, '..', `${dataDir.split('/').pop()}.log`);
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', bin, '-d', dataDir, '-a', '127.0.0.1', '-p', String(port), '--silent'], { stdio: ['ignore', out, out] });
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(child, 's3rver', async () => ((await canConnect(port)) ? url : undefined), logFile);
  return serverHandle('s3rver 3.7.1', url, child, S3RVER_KEYS, dataDir, async () => {
    await rm(logFile, { force: true });
  });
}

function serverHandle(name: string, url: string, child: ChildProcess, credentials: BenchCredentials, dataDir: string, cleanup: () => Promise<void>): BenchServer {
  const pid = child.pid!;
  let polled = 0;
  let anon = 0;
  const poll = setInterval(() => {
    polled = Math.max(polled, statusBytes(pid, 'VmRSS'));
    anon = Math.max(anon, statusBytes(pid, 'RssAnon'));
  }, 50);
  poll.unref();
  return {
    name, url, pid, credentials, dataDir,
    peakRss: () => Math.max(polled, statusBytes(pid, 'VmHWM'), statusBytes(pid, 'VmRSS')),
    peakAnon: () => Math.max(anon, statusBytes(pid, 'RssAnon')),
    resetPeak: () => {
      polled = 0;
      anon = 0;
      // "5" resets the peak RSS (VmHWM) of the process (Linux proc(5), /proc/pid/clear_refs).
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        // not Linux or not permitted: the polled VmRSS maximum is the fallback.
      }
    },
    cpuSeconds: () => cpuSecondsOf(pid),
    stop: async () => {
      clearInterval(poll);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(30_000)]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dataDir, { recursive: true, force: true });
      await cleanup();
    },
  };
}

/** A `/proc/<pid>/status` field in bytes (0 when unavailable). */
function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS' | 'RssAnon'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * utime + stime of `/proc/<pid>/stat` (fields 14 and 15, in clock ticks of 1/100 s on Linux): the
 * CPU a server spends per operation is steadier than its rate on a machine others load too.
 */
function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function waitFor(child: ChildProcess, what: string, probe: () => string | undefined | Promise<string | undefined>, logFile: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not start within 60 s:\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}
