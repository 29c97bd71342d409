/**
 * pgBackRest (Debian package; its own C S3 client, TLS only) backing a throwaway PostgreSQL
 * cluster up into an S3 repository on the shipped gateway (`ccow serve --tls-cert/--tls-key`, a
 * self-signed certificate, repo1-storage-verify-tls=n, path style): stanza-create, check (WAL
 * archived through archive-push), a full and an incremental backup, info, restore into a new
 * directory that then starts and holds the same rows, a second full with expire-auto off, expire
 * (retention-full=1) removing the first chain's objects, verify.
 *
 * PostgreSQL and pgBackRest refuse to run as root: when the test runs as root, they run as the
 * `postgres` user (made by the postgresql package) through setpriv, in a temp dir handed over to
 * that user. The cluster listens on a Unix socket in the temp dir only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chown, readFile, writeFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientEnv, listKeys, locate, runOk, serveGateway, tempDir, which, type RunResult } from './harness.js';
import { postgresBin, postgresRunner, runAs } from './postgres.js';

const BUCKET = 'pgbackrest-b';
const STANZA = 'demo';

test('pgBackRest (S3 repository over TLS): stanza-create, backup, info, restore, expire, verify', async (t) => {
  const tool = await locate(await which('pgbackrest'), ['version'], /pgBackRest \d+\.\d+\S*/);
  const bin = await postgresBin();
  const [openssl] = await which('openssl');
  if (!tool || !bin || !openssl) {
    t.skip('needs pgbackrest, PostgreSQL and openssl (.ci/run installs the Debian packages: apt-get install -y pgbackrest postgresql openssl)');
    return;
  }
  const runner = await postgresRunner();
  if ('skip' in runner) {
    t.skip(runner.skip);
    return;
  }
  const pgUser = runner.user;
  t.diagnostic(`${tool.path}: ${tool.version}; ${bin}`);

  const dir = await tempDir('clients-pgbackrest');
  const d = dir.path;
  const env = clientEnv(d);
  const asPg = runAs(pgUser, env, d);
  const clusters: string[] = [];
  let stopGateway = async (): Promise<void> => undefined;
  t.after(async () => {
    for (const c of clusters) await asPg(join(bin, 'pg_ctl'), ['-D', c, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    await stopGateway();
    await dir.remove();
  });

  await runOk(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'),
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { env, cwd: d });
  const gw = await serveGateway(['--tls-cert', join(d, 'cert.pem'), '--tls-key', join(d, 'key.pem')]);
  stopGateway = gw.close;
  assert.match(gw.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const s3 = new S3Client({
    endpoint: gw.url, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(join(d, 'cert.pem')) }) }),
  });
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const keysUnder = (prefix: string): Promise<string[]> => listKeys(s3, BUCKET, prefix);

  const data = join(d, 'data');
  const conf = join(d, 'pgbackrest.conf');
  await writeFile(conf, [
    '[global]',
    'repo1-type=s3',
    'repo1-s3-endpoint=127.0.0.1',
    `repo1-storage-port=${new URL(gw.url).port}`,
    `repo1-s3-bucket=${BUCKET}`,
    'repo1-s3-region=us-east-1',
    `repo1-s3-key=${gw.accessKey}`,
    `repo1-s3-key-secret=${gw.secretKey}`,
    'repo1-s3-uri-style=path',
    'repo1-storage-verify-tls=n',
    'repo1-path=/repo',
    'repo1-retention-full=1',
    'expire-auto=n',
    // lz4, not the default gzip: a 16 MiB WAL segment or a data file compresses in a fraction of the time.
    'compress-type=lz4',
    // ~970 files of an empty cluster in a few bundle objects instead of one PUT each (restore then reads them by range).
    'repo1-bundle=y',
    'start-fast=y',
    `lock-path=${join(d, 'lock')}`,
    `log-path=${join(d, 'log')}`,
    `spool-path=${join(d, 'spool')}`,
    'log-level-console=warn',
    'log-level-file=off',
    '',
    `[${STANZA}]`,
    `pg1-path=${data}`,
    'pg1-port=5432',
    `pg1-socket-path=${d}`,
    'pg1-user=postgres',
    '',
  ].join('\n'));
  if (pgUser) for (const p of [d, conf]) await chown(p, pgUser.uid, pgUser.gid);
  const pgbackrest = (...args: string[]): Promise<RunResult> => asPg(tool.path, [`--config=${conf}`, `--stanza=${STANZA}`, ...args]);
  const psql = async (port: number, sql: string): Promise<string> =>
    (await asPg(join(bin, 'psql'), ['-h', d, '-p', String(port), '-U', 'postgres', '-X', '-q', '-At', '-c', sql, 'postgres'])).stdout.trim();
  const startCluster = async (pgdata: string, port: number): Promise<void> => {
    clusters.push(pgdata);
    await asPg(join(bin, 'pg_ctl'), ['-D', pgdata, '-l', join(d, `pg-${port}.log`), '-w', 'start']);
    assert.equal(await psql(port, 'select 1'), '1');
  };
  const digest = 'select count(*), md5(string_agg(m, \'\' order by g)) from t';
  const backups = async (): Promise<{ label: string; type: string }[]> =>
    (JSON.parse((await pgbackrest('info', '--output=json')).stdout) as { backup: { label: string; type: string }[] }[])[0]!.backup;

  await asPg(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  await appendFile(join(data, 'postgresql.conf'), [
    '',
    'port = 5432',
    'listen_addresses = \'\'',
    `unix_socket_directories = '${d}'`,
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = '${tool.path} --config=${conf} --stanza=${STANZA} archive-push %p'`,
    'fsync = off',
    '',
  ].join('\n'));
  await startCluster(data, 5432);

  await t.test('stanza-create; check archives a WAL segment into the bucket', async () => {
    await pgbackrest('stanza-create');
    await pgbackrest('check');
    const wal = await keysUnder(`repo/archive/${STANZA}/`);
    assert.ok(wal.some((k) => /\/[0-9A-F]{24}-[0-9a-f]{40}\.lz4$/.test(k)), `a WAL segment in the archive: ${wal.join(' ')}`);
    assert.ok((await keysUnder(`repo/backup/${STANZA}/`)).includes(`repo/backup/${STANZA}/backup.info`));
  });

  let expected = '';
  await t.test('full and incremental backup; info lists both', async () => {
    await psql(5432, 'create table t as select g, md5(g::text) m from generate_series(1, 20000) g');
    await pgbackrest('backup', '--type=full');
    await psql(5432, 'insert into t select g, md5(g::text) from generate_series(20001, 25000) g');
    expected = await psql(5432, digest);
    assert.match(expected, /^25000\|[0-9a-f]{32}$/);
    await pgbackrest('backup', '--type=incr');
    assert.deepEqual((await backups()).map((b) => b.type), ['full', 'incr']);
  });

  await t.test('restore into a new directory; the restored cluster starts and holds the same rows', async () => {
    const restored = join(d, 'restored');
    await pgbackrest('restore', `--pg1-path=${restored}`, '--type=immediate', '--target-action=promote');
    // The restored postgresql.conf is the original's: later lines win, so it gets its own port.
    await appendFile(join(restored, 'postgresql.conf'), '\nport = 5433\narchive_mode = off\n');
    await startCluster(restored, 5433);
    assert.equal(await psql(5433, digest), expected);
  });

  await t.test('a second full; expire (retention-full=1) deletes the first chain; verify', async () => {
    const first = await backups();
    await pgbackrest('backup', '--type=full');
    assert.equal((await backups()).length, 3, 'expire-auto=n kept the first chain');
    await pgbackrest('expire');
    const left = await backups();
    assert.equal(left.length, 1);
    assert.ok(!first.some((b) => b.label === left[0]!.label));
    for (const b of first) assert.deepEqual(await keysUnder(`repo/backup/${STANZA}/${b.label}/`), [], `objects of ${b.label}`);
    await pgbackrest('verify');
  });
});
