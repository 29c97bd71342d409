/**
 * barman-cloud (Debian barman-cli-cloud: boto3 with `--endpoint-url`, path style for an IP
 * endpoint) backing a throwaway PostgreSQL cluster up into an in-process gateway:
 * barman-cloud-wal-archive as the cluster's archive_command (gzip), barman-cloud-backup (a tar of
 * the data dir, uploaded as a multipart upload), barman-cloud-backup-list, barman-cloud-restore
 * into a new directory that then starts with barman-cloud-wal-restore as its restore_command and
 * holds the rows written before the backup, and barman-cloud-backup-delete.
 *
 * Users and permissions as in pgbackrest.test.ts: PostgreSQL refuses to run as root, so when the
 * test runs as root the cluster and every barman-cloud command (it reads the data dir) run as the
 * `postgres` user through setpriv, in a temp dir handed over to that user; the cluster listens on a
 * Unix socket in that dir only. boto3 takes the keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chown, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, pathExists, requestsTo, runOk, type RunResult } from './harness.js';
import { postgresBin, postgresRunner, runAs } from './postgres.js';

const BUCKET = 'barman-b';
const SERVER = 'demo';
const BIN = '/usr/bin';

test('barman-cloud: wal-archive, backup, backup-list, restore (+ wal-restore), backup-delete', async (t) => {
  const tools = ['barman-cloud-wal-archive', 'barman-cloud-backup', 'barman-cloud-backup-list', 'barman-cloud-restore', 'barman-cloud-wal-restore', 'barman-cloud-backup-delete'];
  const present = await Promise.all(tools.map((n) => pathExists(join(BIN, n))));
  const bin = await postgresBin();
  if (present.includes(false) || !bin) {
    t.skip('needs barman-cloud and PostgreSQL (.ci/run installs the Debian packages: apt-get install -y barman-cli-cloud postgresql)');
    return;
  }
  const runner = await postgresRunner();
  if ('skip' in runner) {
    t.skip(runner.skip);
    return;
  }
  const pgUser = runner.user;
  const version = (await runOk(join(BIN, 'barman-cloud-backup'), ['--version'], { env: process.env })).stdout.trim();
  t.diagnostic(`barman-cloud ${version}; ${bin}`);

  // Registered before clientRig's hooks (they run in order): the clusters stop before their dir goes.
  const clusters: string[] = [];
  let stopCluster = async (_pgdata: string): Promise<unknown> => undefined;
  t.after(async () => {
    for (const c of clusters) await stopCluster(c).catch(() => undefined);
  });
  const { gw, watch, dir } = await clientRig(t, 'clients-barman');
  const d = dir.path;
  if (pgUser) await chown(d, pgUser.uid, pgUser.gid);
  const env = clientEnv(d, { AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey, AWS_DEFAULT_REGION: gw.region });
  const asPg = runAs(pgUser, env, d);
  stopCluster = (pgdata) => asPg(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'immediate', '-w', 'stop']);
  t.after(() => {
    const failed = watch.seen.filter((q) => (q.status ?? 0) >= 400).map((q) => `${q.method} ${q.url} ${q.status}`);
    t.diagnostic(`${watch.seen.length} requests; answered >= 400: ${failed.join(', ') || 'none'}`);
  });
  const dest = `s3://${BUCKET}/pg`;
  const cloud = (name: string, ...args: string[]): string[] => [join(BIN, name), '--endpoint-url', gw.url, ...args];
  const barman = (name: string, ...args: string[]): Promise<RunResult> => {
    const [cmd, ...rest] = cloud(name, ...args);
    return asPg(cmd!, rest);
  };
  const s3 = new S3Client(gw.clientConfig());
  t.after(() => s3.destroy());
  const keysUnder = async (prefix: string): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!);

  const psql = async (port: number, sql: string): Promise<string> =>
    (await asPg(join(bin, 'psql'), ['-h', d, '-p', String(port), '-U', 'postgres', '-X', '-q', '-At', '-c', sql, 'postgres'])).stdout.trim();
  const startCluster = async (pgdata: string, port: number): Promise<void> => {
    clusters.push(pgdata);
    await asPg(join(bin, 'pg_ctl'), ['-D', pgdata, '-l', join(d, `pg-${port}.log`), '-w', '-t', '30', 'start']);
    assert.equal(await psql(port, 'select 1'), '1');
  };
  const digest = 'select count(*), md5(string_agg(m, \'\' order by g)) from t';

  const data = join(d, 'data');
  await asPg(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  await appendFile(join(data, 'postgresql.conf'), [
    '',
    'port = 5432',
    'listen_addresses = \'\'',
    `unix_socket_directories = '${d}'`,
    'wal_level = replica',
    'archive_mode = on',
    `archive_command = '${cloud('barman-cloud-wal-archive', '--gzip', dest, SERVER, '%p').join(' ')}'`,
    'fsync = off',
    '',
  ].join('\n'));
  await startCluster(data, 5432);

  await t.test('barman-cloud-wal-archive (archive_command) creates the bucket and uploads a gzipped segment', async () => {
    await psql(5432, 'create table t as select g, md5(g::text) m from generate_series(1, 5000) g');
    const segment = await psql(5432, 'select pg_walfile_name(pg_current_wal_lsn())');
    await psql(5432, 'select pg_switch_wal()');
    const want = `pg/${SERVER}/wals/${segment.slice(0, 16)}/${segment}.gz`;
    for (let i = 0; i < 150 && !(await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: want })).catch(() => undefined))?.KeyCount; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await keysUnder(want), [want]);
    assert.equal(requestsTo(watch.seen, 'PUT', `/${BUCKET}`).filter((q) => q.status === 200).length, 1, 'bucket created once');
  });

  let backupId = '';
  let expected = '';
  await t.test('barman-cloud-backup uploads a tar of the data dir; backup-list shows it', async () => {
    expected = await psql(5432, digest);
    assert.match(expected, /^5000\|[0-9a-f]{32}$/);
    await barman('barman-cloud-backup', '-h', d, '-p', '5432', '-U', 'postgres', '--immediate-checkpoint', dest, SERVER);
    const list = JSON.parse((await barman('barman-cloud-backup-list', '--format', 'json', dest, SERVER)).stdout) as { backups_list: { backup_id: string; status: string }[] };
    assert.equal(list.backups_list.length, 1);
    backupId = list.backups_list[0]!.backup_id;
    assert.equal(list.backups_list[0]!.status, 'DONE');
    const keys = await keysUnder(`pg/${SERVER}/base/${backupId}/`);
    assert.ok(keys.includes(`pg/${SERVER}/base/${backupId}/backup.info`), keys.join(' '));
    assert.ok(keys.includes(`pg/${SERVER}/base/${backupId}/data.tar`), keys.join(' '));
    assert.ok(watch.seen.some((q) => q.method === 'POST' && q.url.startsWith(`/${BUCKET}/pg/${SERVER}/base/${backupId}/data.tar?uploads`) && q.status === 200), 'data.tar went up as a multipart upload');
    // Rows written after the backup must not come back: the restore stops at the backup's end.
    await psql(5432, 'insert into t select g, md5(g::text) from generate_series(5001, 6000) g');
  });

  await t.test('barman-cloud-restore into a new directory; with wal-restore it starts and holds the rows', async () => {
    const restored = join(d, 'restored');
    await barman('barman-cloud-restore', dest, SERVER, backupId, restored);
    assert.equal((await readFile(join(restored, 'PG_VERSION'), 'utf8')).trim(), (await readFile(join(data, 'PG_VERSION'), 'utf8')).trim());
    assert.ok(await pathExists(join(restored, 'base')));
    await appendFile(join(restored, 'postgresql.conf'), [
      '', 'port = 5433', 'archive_mode = off',
      `restore_command = '${cloud('barman-cloud-wal-restore', dest, SERVER, '%f', '%p').join(' ')}'`,
      'recovery_target = \'immediate\'', 'recovery_target_action = \'promote\'', '',
    ].join('\n'));
    await asPg('touch', [join(restored, 'recovery.signal')]);
    await startCluster(restored, 5433);
    assert.equal(await psql(5433, digest), expected);
    assert.ok(watch.seen.some((q) => q.method === 'GET' && q.url.startsWith(`/${BUCKET}/pg/${SERVER}/wals/`) && q.status === 200), 'a WAL segment fetched by wal-restore');
  });

  await t.test('barman-cloud-backup-delete removes the backup and its objects', async () => {
    await barman('barman-cloud-backup-delete', '-b', backupId, dest, SERVER);
    const list = JSON.parse((await barman('barman-cloud-backup-list', '--format', 'json', dest, SERVER)).stdout) as { backups_list: unknown[] };
    assert.deepEqual(list.backups_list, []);
    assert.deepEqual(await keysUnder(`pg/${SERVER}/base/${backupId}/`), []);
  });
});
