/**
 * Shared plumbing of the real-client tests (issue #5 "Real clients, as users run them"; issue #4's
 * aws CLI tests): find the installed programs, run them as child processes with a private HOME and
 * a clean environment, make test files and trees, compare them, watch the requests a gateway
 * receives, and start the shipped `ccow serve` as a child process.
 *
 * Clients are called by absolute path: pyenv's `aws` shim (aws CLI v1) shadows the Debian `awscli`
 * 2.x on PATH, and a shim run with a temp HOME would look for pyenv there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startGateway, type GatewayOptions, type TestGateway } from '../helpers/gateway.js';

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of run(). */
export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the child after this long (default 90 s: client start-up is slow on a loaded 2-core box). */
  timeoutMs?: number;
  /** Bytes fed to the child's standard input (default: none, stdin is /dev/null). */
  input?: Buffer;
}

/** Run a program to completion (never throws for a non-zero exit; see runOk). */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 90_000 });
    if (opts.input) {
      // A child that exits before reading all of it gets EPIPE here; its exit status tells the story.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.input);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

/** Run a program and fail with its command line and output unless it exits 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} → exit ${r.code ?? r.signal}\nstdout:\n${r.stdout.slice(-4000)}\nstderr:\n${r.stderr.slice(-4000)}`);
  }
  return r;
}

/**
 * A clean environment for a client: PATH (and PYENV_ROOT for pyenv's shims), a private HOME, UTF-8
 * locale and nothing else of ours — the machine sets AWS_CA_BUNDLE, which rclone 1.60 refuses
 * ("unable to load custom CA bundle"), and a proxy variable would send loopback traffic away.
 */
export function clientEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { HOME: home, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', NO_PROXY: '*', no_proxy: '*' };
  for (const k of ['PATH', 'PYENV_ROOT', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/** A FUSE client with `fusermount` and /dev/fuse, or why a FUSE test must skip. */
export async function fuseClient(name: string, versionArgs: string[], version: RegExp, pkg: string): Promise<{ tool: Tool; fusermount: string } | { skip: string }> {
  const tool = await locate(await which(name), versionArgs, version);
  const fusermount = (await which('fusermount'))[0] ?? (await which('fusermount3'))[0];
  if (tool && fusermount && await pathExists('/dev/fuse')) return { tool, fusermount };
  return { skip: `${!tool ? name : !fusermount ? 'fusermount' : '/dev/fuse'} missing (.ci/run installs ${name}: apt-get install -y ${pkg})` };
}

/** A FUSE mount the client could not make here (no FUSE rights in this sandbox): the test skips. */
export class MountRefused extends Error {}

/** Whether `dir` is a mount point now (/proc/mounts). */
export async function isMounted(dir: string): Promise<boolean> {
  return (await readFile('/proc/mounts', 'utf8')).split('\n').some((l) => l.split(' ')[1] === dir);
}

/** A FUSE client running in the foreground, and everything it has printed. */
export interface FuseChild {
  child: ChildProcess;
  log: () => string;
}

/**
 * Start a FUSE client in the foreground (`cmd args`, which mount on `mnt`) and wait up to `waitMs`
 * for the mount to appear. When it does not (the client exited, or hangs: no FUSE rights here, a
 * refused option), kill it and throw MountRefused with what it printed.
 */
export async function spawnMount(cmd: string, args: string[], mnt: string, env: NodeJS.ProcessEnv, waitMs = 10_000): Promise<FuseChild> {
  const out: Buffer[] = [];
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => out.push(c));
  const log = (): string => Buffer.concat(out).toString();
  const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
  for (let waited = 0; waited < waitMs && !await isMounted(mnt); waited += 100) {
    if (await Promise.race([exited, sleep(100, false)])) break;
  }
  if (!await isMounted(mnt)) {
    child.kill('SIGKILL');
    throw new MountRefused(log());
  }
  return { child, log };
}

/**
 * `fusermount -u mnt`, then wait up to `waitMs` for the client to finish (flush its writes) and
 * exit: its exit code, or 'timeout' after killing it and detaching the mount lazily (-uz).
 */
export async function fuseUnmount(fusermount: string, mnt: string, env: NodeJS.ProcessEnv, child: ChildProcess, waitMs: number): Promise<number | null | 'timeout'> {
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  await run(fusermount, ['-u', mnt], { env });
  const code = await Promise.race([exited, sleep(waitMs, 'timeout' as const, { ref: false })]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    await run(fusermount, ['-uz', mnt], { env });
  }
  return code;
}

/**
 * Mount, run `body`, and unmount in a finally — not in t.after: clientRig's after hooks (gateway
 * close, temp dir removal) were registered first and run first, and a live mount point cannot be
 * removed (EBUSY). A MountRefused whose message matches `refused` skips the test with its reason.
 */
export async function whileMounted<M>(t: TestContext, mount: () => Promise<M>, body: (m: M) => Promise<void>, unmount: () => Promise<unknown>, refused = /[^]*/): Promise<void> {
  let m: M;
  try {
    m = await mount();
  } catch (e) {
    if (e instanceof MountRefused && refused.test(e.message)) {
      t.skip(`the FUSE mount was refused here (${e.message.trim().split('\n').pop() ?? ''})`);
      return;
    }
    throw e;
  }
  try {
    await body(m);
  } finally {
    await unmount();
  }
}

/**
 * An rclone config file in `dir` with one remote, `gw`: the gateway as a path-style S3 of provider
 * Other (test/clients/rclone.test.ts and rclone-mount.test.ts); returns its path.
 */
export async function rcloneConf(dir: string, gw: TestGateway): Promise<string> {
  const conf = join(dir, 'rclone.conf');
  await writeFile(conf, [
    '[gw]',
    'type = s3',
    'provider = Other',
    `access_key_id = ${gw.accessKey}`,
    `secret_access_key = ${gw.secretKey}`,
    `endpoint = ${gw.url}`,
    'region = us-east-1',
    'force_path_style = true',
    '',
  ].join('\n'));
  return conf;
}

/** Every key of `bucket` (under `prefix`), through ListObjectsV2 pages. */
export async function listKeys(s3: S3Client, bucket: string, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for (let token: string | undefined; ;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    if (!page.IsTruncated) return keys;
    token = page.NextContinuationToken;
  }
}

/** Absolute paths of `name` in the directories of PATH, in PATH order. */
export async function which(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      if (!found.includes(p)) found.push(p);
    } catch { /* not here */ }
  }
  return found;
}

/** An installed client: absolute path and the version line it printed. */
export interface Tool {
  path: string;
  version: string;
}

/**
 * The first of `candidates` whose version output (`args`, stdout and stderr together) matches
 * `pattern`, or undefined. Runs with the caller's environment: pyenv shims need the real HOME.
 */
export async function locate(candidates: string[], args: string[], pattern: RegExp): Promise<Tool | undefined> {
  for (const path of candidates) {
    try {
      const r = await run(path, args, { env: process.env, timeoutMs: 30_000 });
      const m = pattern.exec(`${r.stdout}\n${r.stderr}`);
      if (r.code === 0 && m) return { path, version: m[0] };
    } catch { /* not runnable */ }
  }
  return undefined;
}

/** pyenv's (or the PATH's) python3 with boto3 and the aws CLI v1, resolved past any shim. */
export interface Python {
  /** sys.executable: the real interpreter. */
  executable: string;
  boto3?: string;
  botocore?: string;
  awscli?: string;
}

/** Resolve `python3` on PATH and the versions of boto3 / botocore / awscli it imports. */
export async function findPython(): Promise<Python | undefined> {
  const script = [
    'import sys, importlib',
    'print(sys.executable)',
    'for m in ("boto3", "botocore", "awscli"):',
    '    try: print(m, importlib.import_module(m).__version__)',
    '    except Exception: print(m, "")',
  ].join('\n');
  for (const py of await which('python3')) {
    try {
      const r = await run(py, ['-c', script], { env: process.env, timeoutMs: 60_000 });
      if (r.code !== 0) continue;
      const [exe, ...mods] = r.stdout.trim().split('\n');
      const v = Object.fromEntries(mods.map((l) => l.split(' ') as [string, string]));
      return { executable: exe!.trim(), boto3: v.boto3 || undefined, botocore: v.botocore || undefined, awscli: v.awscli || undefined };
    } catch { /* next */ }
  }
  return undefined;
}

/** One line of a python client flow's JSON output (boto3_flow.py, sdk_extra_flow.py). */
export interface FlowStep {
  step: string;
  ok: boolean;
  error?: string;
  trace?: string;
  [fact: string]: unknown;
}

/**
 * The steps a python flow printed (one JSON object per line), and `stepOk(name)`: the step's facts,
 * failing with the client's own error and trace when the step failed or never ran.
 */
export function flowSteps(r: RunResult): { steps: Map<string, FlowStep>; stepOk: (name: string) => FlowStep } {
  const steps = new Map<string, FlowStep>();
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const s = JSON.parse(line) as FlowStep;
    steps.set(s.step, s);
  }
  const stepOk = (name: string): FlowStep => {
    const s = steps.get(name);
    if (!s) throw new Error(`step "${name}" did not run (stdout: ${r.stdout.slice(-2000)}, stderr: ${r.stderr.slice(-2000)})`);
    if (!s.ok) throw new Error(`${name}: ${s.error}\n${s.trace}`);
    return s;
  };
  return { steps, stepOk };
}

/** An s3cmd config file for the gateway (SigV4, plain HTTP, 5 MiB multipart chunks, no progress meter). */
export async function writeS3cmdConfig(path: string, keys: { accessKey: string; secretKey: string }, host: string, bucketHost: string): Promise<string> {
  await writeFile(path, [
    '[default]',
    `access_key = ${keys.accessKey}`,
    `secret_key = ${keys.secretKey}`,
    `host_base = ${host}`,
    `host_bucket = ${bucketHost}`,
    'use_https = False',
    'signature_v2 = False',
    'bucket_location = us-east-1',
    'multipart_chunk_size_mb = 5',
    'progress_meter = False',
    '',
  ].join('\n'));
  return path;
}

/**
 * The aws CLI v1: the console script next to the python3 that imports awscli 1.x (pyenv keeps it
 * there; its version is the awscli that interpreter imports, so no second python start-up), else
 * an `aws` on PATH that says it is 1.x (PATH's first `aws` may be a shim or v2).
 */
export async function findAwsV1(): Promise<Tool | undefined> {
  const py = await findPython();
  const nextToPython = py?.awscli?.startsWith('1.') ? join(dirname(py.executable), 'aws') : undefined;
  if (nextToPython && await isExecutable(nextToPython)) return { path: nextToPython, version: `aws-cli/${py!.awscli}` };
  return locate(await which('aws'), ['--version'], /aws-cli\/1\.\S+/);
}

/** The aws CLI v2 (Debian's awscli at /usr/bin/aws, or any `aws` on PATH that says it is 2.x). */
export async function findAwsV2(): Promise<Tool | undefined> {
  return locate(['/usr/bin/aws', '/usr/local/bin/aws', ...(await which('aws'))], ['--version'], /aws-cli\/2\.\S+/);
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A temp directory removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `ccow-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** `size` deterministic pseudo-random bytes (AES-128-CTR keystream of `seed`). */
export function pseudoRandom(size: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(size));
}

/** Hex SHA-256, for comparing large buffers with short assertion messages. */
export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Awkward but legal names users have in their trees: spaces, `+`, `%`, `=`/`&`, non-ASCII,
 * shell and URL specials. Each client encodes them its own way when it signs.
 */
const AWKWARD = ['with space.txt', 'plus+sign.txt', 'percent%41.txt', 'eq=amp&.txt', 'ünïcode-ß.txt', 'paren(1)~tilde.txt', 'dir with space/ü/star*.txt', 'empty.txt'];

/**
 * Write a tree of `count` files (default 50) under `dir`: nested dirs, sizes 0 B to ~40 KiB,
 * awkward names among them. Returns relative path → content.
 */
export async function makeTree(dir: string, seed: string, count = 50): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (let i = 0; files.size < count; i++) {
    const name = i < AWKWARD.length ? AWKWARD[i]! : `${['', 'a/', 'a/b/', 'c/'][i % 4]}file-${String(i).padStart(3, '0')}.bin`;
    const size = name === 'empty.txt' ? 0 : (i * 811) % 40_000 + 1;
    files.set(name, pseudoRandom(size, `${seed}/${name}`));
  }
  // Modified a minute ago, as files a user syncs usually are: `aws s3 sync` uploads a file whose
  // mtime is newer than the object's LastModified, which listings give in whole seconds (as S3's
  // do), so a file written in the same second as its upload looked newer and the "second sync
  // transfers nothing" check failed now and then (aws-cli#5369 describes the same on AWS).
  const past = new Date(Date.now() - 60_000);
  for (const [name, body] of files) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), body);
    await utimes(join(dir, name), past, past);
  }
  return files;
}

/** Every file under `dir`: relative path ('/'-separated) → content. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    files.set(relative(dir, abs).split('\\').join('/'), await readFile(abs));
  }
  return files;
}

/** Sorted `name sha256` lines of a tree, so a failed deepEqual shows which file differs. */
export function treeDigest(files: Map<string, Buffer>): string[] {
  return [...files].map(([k, v]) => `${k} ${sha256(v)}`).sort();
}

/** One request the gateway received (request line, a few headers, final status). */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  status?: number;
}

/**
 * Record every request an in-process gateway's server receives, by listening to the Node server's
 * `request` event next to Fastify (requests accepted after `Expect: 100-continue` are re-emitted
 * as `request` by src/http/continue.ts, so they are seen too). Lets a test prove that a client
 * really went multipart or sent nothing.
 */
export function watchRequests(server: Server): { seen: SeenRequest[]; stop: () => void } {
  const seen: SeenRequest[] = [];
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const rec: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(rec);
    res.once('finish', () => { rec.status = res.statusCode; });
  };
  server.on('request', onRequest);
  return { seen, stop: () => { server.off('request', onRequest); } };
}

/**
 * What most client tests start with: an in-process gateway (local backend unless `opts` say
 * otherwise), the requests it receives, and a temp dir for the client's HOME and files — all
 * undone when the test ends.
 */
export async function clientRig(t: TestContext, dirPrefix: string, opts: GatewayOptions = { backend: 'local' }): Promise<{
  gw: TestGateway;
  watch: { seen: SeenRequest[]; stop: () => void };
  dir: { path: string; remove: () => Promise<void> };
}> {
  const gw = await startGateway(opts);
  t.after(() => gw.close());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const dir = await tempDir(dirPrefix);
  t.after(() => dir.remove());
  return { gw, watch, dir };
}

/** The requests of `method` to `path` (the URL without its query), in arrival order. */
export function requestsTo(seen: SeenRequest[], method: string, path: string): SeenRequest[] {
  return seen.filter((q) => q.method === method && q.url.split('?')[0] === path);
}

/** Whether a file or directory exists (and is reachable). */
export async function pathExists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

/**
 * Part numbers of the UploadPart requests for `path` (e.g. `/bucket/key`) that were answered 200,
 * sorted. Distinct numbers: a client may legitimately retry a part.
 */
export function partsUploaded(seen: SeenRequest[], path: string): number[] {
  const nums = new Set<number>();
  for (const r of seen) {
    const [p, q = ''] = r.url.split('?');
    const n = new URLSearchParams(q).get('partNumber');
    if (r.method === 'PUT' && p === path && n !== null && r.status === 200) nums.add(Number(n));
  }
  return [...nums].sort((a, b) => a - b);
}

/** The compiled `ccow` entry point next to this compiled file (dist/ or a private out dir alike). */
export const CCOW_CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const BANNER = /^ccow-s3 listening on (\S+) {2}access key: (\S+) {2}secret key: (\S+)$/m;

/** A `ccow serve` child process. */
export interface ServedGateway {
  url: string;
  accessKey: string;
  secretKey: string;
  child: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output: () => string;
  /** SIGTERM, wait for exit, remove the data dir. */
  close: () => Promise<void>;
}

/**
 * Start the shipped gateway as users do: `node dist/src/cli/main.js serve` on a fresh data dir and
 * port 0, keys generated by the gateway and read from its banner.
 */
export async function serveGateway(extraArgs: string[] = []): Promise<ServedGateway> {
  const data = await tempDir('clients-serve');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCOW_')) env[k] = v;
  env.CCOW_LOG_LEVEL = 'warn';
  const child = spawn(process.execPath, [CCOW_CLI, 'serve', '--listen', '127.0.0.1:0', '--data', data.path, ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await data.remove();
  };
  try {
    const m = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ccow serve printed no banner in 30 s:\n${out}`)), 30_000);
      const check = (): void => {
        const found = BANNER.exec(out);
        if (found) { clearTimeout(timer); resolve(found); }
      };
      child.stdout.on('data', check);
      void exited.then(() => { clearTimeout(timer); reject(new Error(`ccow serve exited before listening:\n${out}`)); });
    });
    return { url: m[1]!, accessKey: m[2]!, secretKey: m[3]!, child, output: () => out, close };
  } catch (e) {
    await close();
    throw e;
  }
}
