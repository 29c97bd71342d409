/**
 * Operator mistakes get one `ccow: …` line and a non-zero exit, never a stack trace or a silent
 * default (README "Configuration"). Found by running the built CLI as an operator would:
 * - a port in use, a data dir that is a file or not writable, a certificate that is not PEM or a key
 *   of another certificate, an unknown --log-level, the same data dir twice, a damaged
 *   credentials.json: each printed a stack trace (EADDRINUSE from net, the storage layer's
 *   CodedError, OpenSSL's error from Fastify's constructor, pino's assertion, a TypeError);
 * - `--listen ''` bound the default 127.0.0.1:9000, `--tls-cert '' --tls-key ''` served plain
 *   HTTP, `--data ''` used ./data; CCOW_METRICS=false kept the metrics on, CCOW_TRUST_PROXY_HEADERS=true
 *   left them off; `--domain s3.example.com:9000` was taken and never matched; `gc --grace ''` was
 *   a grace of 0 (every unreferenced chunk collected at once);
 * - a usage error of a subcommand (`ccow serve --bogus`) made commander exit the process itself
 *   with status 1 and the whole help text, while the same mistake in an env variable exits 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, resolveServeConfig } from '../../src/cli/config.js';
import { CLI, cleanEnv, runCli, type CliResult } from '../helpers/cli.js';

const CERT = join(process.cwd(), 'test', 'fixtures', 'http', 'test-cert.pem');

/**
 * Run the CLI to its end. Every case here must stop before serving; one that serves anyway (the
 * mistake went unnoticed) is stopped once its banner appears, and then fails its assertions.
 */
const run = (args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> => runCli(args, { env, cwd });

/** Exactly one stderr line, `ccow: …` matching `pattern`, and the exit status `code`. */
function assertOneLine(r: { code: number | null; stderr: string }, code: number, pattern: RegExp, what: string): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^ccow: /, what);
  assert.match(lines[0]!, pattern, what);
  assert.equal(r.code, code, `${what}: exit status`);
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ccow-operator-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a port in use, a data dir that is a file, an unusable certificate: one line each', async (t) => {
  const dir = await tempDir(t);
  const data = join(dir, 'data');
  const env = cleanEnv();

  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const port = (taken.address() as { port: number }).port;
  assertOneLine(await run(['serve', '--listen', `127.0.0.1:${port}`, '--data', data], env, dir), 1,
    new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*in use.*EADDRINUSE`), 'port in use');

  const file = join(dir, 'a-file');
  await writeFile(file, 'x');
  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', file], env, dir), 2, /data dir .*a-file is not a directory/, 'serve on a file');
  assertOneLine(await run(['fsck', '--data', file], env, dir), 2, /is not a directory/, 'fsck on a file');
  assertOneLine(await run(['compact', '--data', file], env, dir), 2, /is not a directory/, 'compact on a file');
  assertOneLine(await run(['user', 'ls', '--data', `${data},${data}/`], env, dir), 2, /given twice/, 'same data dir twice');

  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', data, '--tls-cert', file, '--tls-key', file], env, dir), 2,
    /cannot use TLS certificate .*a-file with key .*a-file: .*PEM/, 'certificate that is not PEM');
  // The fixture certificate is EC: an EC key of another certificate (OpenSSL says "key values
  // mismatch"), and an RSA key (OpenSSL took it: the gateway served, every handshake failed).
  for (const type of ['ec', 'rsa'] as const) {
    const other = join(dir, `other-${type}-key.pem`);
    const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(other, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', data, '--tls-cert', CERT, '--tls-key', other], env, dir), 2,
      /cannot use TLS certificate .*test-cert\.pem with key .*-key\.pem: .*(mismatch|does not belong)/, `${type} key of another certificate`);
  }
});

test('settings the logger, a credentials file or a subcommand reject: one line, exit 2 for usage', async (t) => {
  const dir = await tempDir(t);
  const data = join(dir, 'data');
  const env = cleanEnv();
  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', data, '--log-level', 'loud'], env, dir), 2, /invalid log level "loud"/, '--log-level');
  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', data], cleanEnv({ CCOW_LOG_LEVEL: 'verbose' }), dir), 2, /invalid log level "verbose"/, 'CCOW_LOG_LEVEL');

  const damaged = join(dir, 'damaged');
  await mkdir(damaged);
  await writeFile(join(damaged, 'credentials.json'), '{not json');
  assertOneLine(await run(['serve', '--listen', '127.0.0.1:0', '--data', damaged], env, dir), 1, /credentials\.json: not valid JSON/, 'damaged credentials.json');

  // commander's own usage errors: one line with advice, no help text; status 2.
  for (const [args, what] of [[['serve', '--bogus'], /unknown option '--bogus'/], [['serve', '--durability', 'fast'], /'fast' is invalid/], [['user', 'add'], /missing required argument 'name'/]] as const) {
    assertOneLine(await run([...args], env, dir), 2, new RegExp(`${what.source}.*\\(run with --help for usage\\)$`), args.join(' '));
  }

  // `gc --grace ''` collected with a grace of 0; now a mistake, and the data dir is not touched.
  const gc = await run(['gc', '--data', join(dir, 'gc-data'), '--grace', ''], env, dir);
  assertOneLine(gc, 2, /invalid --grace ""/, 'gc --grace ""');
});

test('an empty flag is a mistake, an empty variable is unset; switches take 0/1 or the boolean words; the domain is a host name', () => {
  for (const [flags, name] of [
    [{ listen: '' }, '--listen'], [{ data: '' }, '--data'], [{ region: ' ' }, '--region'], [{ domain: '' }, '--domain'],
    [{ tlsCert: '', tlsKey: '' }, '--tls-cert'], [{ logLevel: '' }, '--log-level'],
  ] as const) {
    assert.throws(() => resolveServeConfig(flags, {}), (e: unknown) => e instanceof ConfigError && e.message === `${name} needs a value (got an empty one)`, name);
  }
  assert.deepEqual(resolveServeConfig({}, { CCOW_LISTEN: '', CCOW_TLS_CERT: '', CCOW_TLS_KEY: '', CCOW_METRICS: '' }).listen, { host: '127.0.0.1', port: 9000 });

  // The boolean words mean what they say (issue-3-cli-env-switch-words); anything else is refused.
  assert.equal(resolveServeConfig({}, { CCOW_METRICS: 'false' }).metrics, false);
  assert.equal(resolveServeConfig({}, { CCOW_TRUST_PROXY_HEADERS: 'true' }).trustProxyHeaders, true);
  assert.throws(() => resolveServeConfig({}, { CCOW_METRICS: 'disabled' }), /invalid CCOW_METRICS "disabled": expected 1, true, on, yes \(on\) or 0, false, off, no \(off\)/);
  assert.throws(() => resolveServeConfig({}, { CCOW_TRUST_PROXY_HEADERS: 'y' }), /CCOW_TRUST_PROXY_HEADERS/);
  assert.throws(() => resolveServeConfig({}, { CCOW_STRICT_REGION: '2' }), /CCOW_STRICT_REGION/);
  assert.throws(() => resolveServeConfig({}, { CCOW_SIGV2: 'enabled' }), /CCOW_SIGV2/);
  assert.equal(resolveServeConfig({}, { CCOW_TRUST_PROXY_HEADERS: '1' }).trustProxyHeaders, true);

  for (const bad of ['http://s3.example.com', 's3.example.com:9000', 's3.example.com/path', '-s3.example.com', 'a..b']) {
    assert.throws(() => resolveServeConfig({ domain: bad }, {}), /invalid domain/, bad);
  }
  assert.equal(resolveServeConfig({}, { CCOW_DOMAIN: 'S3.Example.COM.' }).domain, 's3.example.com');
  assert.throws(() => resolveServeConfig({ region: 'us east' }, {}), /invalid region "us east"/);
  assert.equal(resolveServeConfig({}, { CCOW_REGION: 'eu-central-1' }).region, 'eu-central-1');
});

test('a data dir under /proc is refused at once (Node\'s recursive mkdir spun there forever)', { skip: process.platform !== 'linux' }, async (t) => {
  const dir = await tempDir(t);
  // SIGKILL after a minute only so that the old code's endless loop cannot hang the run; the
  // fixed code answers in well under a second.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    // `serve`: it creates missing data dirs (admin commands refuse them, issue-3-cli-admin-missing-data-dir).
    execFile(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--data', '/proc/ccow-no-such-dir/data'], { env: cleanEnv(), cwd: dir, timeout: 60_000, killSignal: 'SIGKILL' },
      (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stderr }));
  });
  assertOneLine(r, 1, /cannot create data dir \/proc\/ccow-no-such-dir\/data: ENOENT/, '/proc data dir');
});

test('data dirs listed in another order are refused (the orphan sweep deleted every chunk file)', async (t) => {
  const dir = await tempDir(t);
  const [d0, d1, fresh] = [join(dir, 'd0'), join(dir, 'd1'), join(dir, 'fresh')];
  const env = cleanEnv();
  // Admin commands open existing dirs only (issue-3-cli-admin-missing-data-dir).
  for (const d of [d0, d1, fresh]) await mkdir(d);
  assert.equal((await run(['user', 'ls', '--data', `${d0},${d1}`], env, dir)).code, 0, 'first open makes d0/meta');
  // A chunk file in d1 (its name does not matter to the check; to the sweep it would be an orphan).
  await mkdir(join(d1, 'chunks', 'ab'), { recursive: true });
  await writeFile(join(d1, 'chunks', 'ab', 'chunk'), 'x');
  assertOneLine(await run(['gc', '--data', `${d1},${d0}`], env, dir), 2, /data dir .*d0 holds a metadata store \(meta\/\) but is not the first data dir/, 'swapped');
  assertOneLine(await run(['gc', '--data', `${fresh},${d1}`], env, dir), 2, /data dir .*d1 holds chunk files but the first data dir .*fresh has no metadata store/, 'new first dir');
  await access(join(d1, 'chunks', 'ab', 'chunk'));
  assert.equal((await run(['fsck', '--data', `${d0},${d1}`], env, dir)).code, 0, 'the right order still opens');
});
