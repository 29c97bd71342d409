/**
 * restic (Debian package; Go, minio-go v7 inside) with an `s3:` repository on an in-process gateway
 * (local backend, plain HTTP, path style: minio-go picks it for an IP endpoint): init, backup of a
 * tree (200 small files and one 30 MiB file, so several packs), snapshots, check --read-data,
 * restore compared byte for byte, a second backup that adds only a little (dedup), forget --prune,
 * a stale lock left by a killed backup and removed by `unlock`, key add / key list.
 *
 * restic writes and deletes an object under locks/ for nearly every command; the requests the
 * gateway saw show that each lock it wrote was deleted again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientEnv, clientRig, locate, makeTree, pseudoRandom, readTree, runOk, treeDigest, which, type RunResult, type SeenRequest } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'restic-b';

/** One line of `restic backup --json`: the summary is the line with message_type "summary". */
interface BackupSummary {
  message_type: string;
  files_new: number;
  files_changed: number;
  files_unmodified: number;
  data_added: number;
  snapshot_id: string;
}

test('restic (s3: repository): init, backup, check --read-data, restore, dedup, forget --prune, locks, keys', async (t) => {
  const tool = await locate(await which('restic'), ['version'], /restic \d+\.\d+\.\d+/);
  if (!tool) {
    t.skip('restic not installed (.ci/run installs the Debian package: apt-get install -y restic)');
    return;
  }
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-restic');
  const env = clientEnv(dir.path, {
    AWS_ACCESS_KEY_ID: gw.accessKey,
    AWS_SECRET_ACCESS_KEY: gw.secretKey,
    RESTIC_PASSWORD: 'correct horse battery staple',
    RESTIC_REPOSITORY: `s3:${gw.url}/${BUCKET}`,
  });
  const restic = (...args: string[]): Promise<RunResult> => runOk(tool.path, args, { env, cwd: dir.path });
  const summaryOf = (r: RunResult): BackupSummary => {
    const line = r.stdout.split('\n').find((l) => l.includes('"message_type":"summary"'));
    assert.ok(line, r.stdout.slice(-2000));
    return JSON.parse(line) as BackupSummary;
  };
  const snapshots = async (): Promise<string[]> => (JSON.parse((await restic('snapshots', '--json')).stdout) as { short_id: string }[]).map((s) => s.short_id);
  const lockIds = async (): Promise<string[]> => (await restic('list', 'locks', '--no-lock')).stdout.split('\n').filter(Boolean);
  const requestsUnder = (folder: string, method: string, from = 0): SeenRequest[] =>
    watch.seen.slice(from).filter((r) => r.method === method && r.url.startsWith(`/${BUCKET}/${folder}/`) && r.status !== undefined && r.status < 300);

  const tree = await makeTree(join(dir.path, 'tree'), 'restic-tree', 200);
  await writeFile(join(dir.path, 'tree', 'big.bin'), pseudoRandom(30 * MiB, 'restic-big'));
  tree.set('big.bin', pseudoRandom(30 * MiB, 'restic-big'));

  await t.test('init, backup, snapshots', async () => {
    await restic('init');
    const first = summaryOf(await restic('backup', '--json', 'tree'));
    assert.equal(first.files_new, tree.size);
    assert.ok(first.data_added > 30 * MiB, `data_added ${first.data_added}`);
    assert.ok(requestsUnder('data', 'PUT').length >= 2, 'the 30 MiB file went up in more than one pack');
    assert.deepEqual(await snapshots(), [first.snapshot_id.slice(0, 8)]);
  });

  await t.test('check --read-data, restore and compare', async () => {
    assert.match((await restic('check', '--read-data')).stdout, /no errors were found/);
    await restic('restore', 'latest', '--target', 'restore');
    assert.deepEqual(treeDigest(await readTree(join(dir.path, 'restore', 'tree'))), treeDigest(tree));
  });

  await t.test('second backup with one file added: dedup, few new packs; forget --prune keeps one snapshot', async () => {
    await writeFile(join(dir.path, 'tree', 'added.txt'), 'one new file\n');
    const from = watch.seen.length;
    const second = summaryOf(await restic('backup', '--json', 'tree'));
    assert.equal(second.files_new, 1);
    assert.equal(second.files_unmodified, tree.size);
    assert.ok(second.data_added < 1 * MiB, `data_added ${second.data_added}`);
    const packs = requestsUnder('data', 'PUT', from).length;
    assert.ok(packs >= 1 && packs <= 2, `new packs: ${packs} (one data pack, one tree pack at most)`);
    assert.equal((await snapshots()).length, 2);

    await restic('forget', '--keep-last', '1', '--prune');
    assert.deepEqual(await snapshots(), [second.snapshot_id.slice(0, 8)]);
    assert.match((await restic('check')).stdout, /no errors were found/);
  });

  await t.test('every lock written was deleted; a killed backup leaves a stale lock that unlock removes', async () => {
    assert.deepEqual(await lockIds(), []);
    const written = requestsUnder('locks', 'PUT').map((r) => r.url);
    const deleted = requestsUnder('locks', 'DELETE').map((r) => r.url);
    assert.ok(written.length >= 5, `lock objects written: ${written.length}`);
    assert.deepEqual([...deleted].sort(), [...written].sort());

    // A backup from stdin holds its lock while it waits for input; SIGKILL leaves the lock behind.
    const from = watch.seen.length;
    const child = spawn(tool.path, ['backup', '--stdin', '--stdin-filename', 'stream.txt'], { env, cwd: dir.path, stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    child.stdin.on('error', () => undefined);
    child.stdin.write('partial input\n');
    while (requestsUnder('locks', 'PUT', from).length === 0 && child.exitCode === null) await sleep(50);
    assert.equal(child.exitCode, null, 'restic backup --stdin still waiting for input');
    child.kill('SIGKILL');
    // Node reaps the child before 'exit': restic's stale test (same host, PID gone) then holds.
    await exited;
    const stale = await lockIds();
    assert.equal(stale.length, 1);
    await restic('unlock');
    assert.deepEqual(await lockIds(), []);
    assert.ok(requestsUnder('locks', 'DELETE', from).some((r) => r.url === `/${BUCKET}/locks/${stale[0]}`), 'unlock deleted the stale lock object');
    assert.match((await restic('check')).stdout, /no errors were found/);
  });

  await t.test('key add, key list', async () => {
    await writeFile(join(dir.path, 'pw2'), 'second password\n');
    await restic('key', 'add', '--new-password-file', 'pw2');
    const keys = (await restic('list', 'keys')).stdout.split('\n').filter(Boolean);
    assert.equal(keys.length, 2);
    const envNoPassword = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'RESTIC_PASSWORD'));
    const withSecond = (await runOk(tool.path, ['snapshots', '--json', '--password-file', 'pw2'], { env: envNoPassword, cwd: dir.path })).stdout;
    assert.equal((JSON.parse(withSecond) as unknown[]).length, 1, 'the repository opens with the added key');
  });
});
