/**
 * `rclone mount` (Debian 12's rclone 1.60) with `--vfs-cache-mode writes`: an S3 bucket put under
 * a directory, used with ordinary shell tools, against an in-process gateway (local backend, plain
 * HTTP, path style, the S3 remote of rclone.test.ts: `provider = Other`). rclone's VFS keeps a file
 * that is written in a local cache file and uploads the whole file once it is closed (here at once:
 * `--vfs-write-back 0s`; multipart above `--s3-upload-cutoff`, so the 12 MiB file goes up in 5 MiB
 * parts). A write into the middle of an existing file (dd conv=notrunc) or an append changes the
 * cached copy (fetched first when it is not cached) and uploads the file whole again. The
 * modification time is kept in `X-Amz-Meta-Mtime` (seconds since the epoch as a decimal number);
 * `touch -d` on a closed file changes it with a CopyObject onto itself (`x-amz-metadata-directive: REPLACE`). S3 has no
 * rename: rclone renames a file by CopyObject + DeleteObject, and a directory by doing that for
 * every object under it. Directories are not objects (rclone 1.60 writes no `dir/` markers): an
 * empty one lives only in the mount's memory.
 *
 * Client limit, not the gateway's: `cp -p` onto the mount fails ("preserving permissions:
 * Input/output error") because rclone 1.60's FUSE answers fsetxattr(system.posix_acl_access) with
 * EIO, on any backend (seen with a `type = local` remote too); the test copies with
 * `cp --preserve=timestamps`.
 *
 * Every file operation runs in a child process (sh): the gateway serves rclone from this process's
 * event loop, which a file call on the mount made here would block. After an unmount the objects
 * are checked through the S3 API (bytes, mtime metadata, keys moved and gone), and a fresh mount
 * (new, empty cache dir) reads everything back.
 *
 * Skips with a reason without rclone, fusermount or /dev/fuse, or when the mount is refused (no
 * FUSE in the container). .ci/run installs it: apt-get install -y rclone (fusermount comes with
 * s3fs's fuse).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, fuseClient, fuseUnmount, listKeys, pseudoRandom, rcloneConf, runOk, sha256, spawnMount, whileMounted, type FuseChild, type RunResult, type SeenRequest } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 'rclone-mount-b';
const BIG = 12 * MiB;
const PAST = Date.UTC(2021, 5, 6, 7, 8, 9) / 1000;
const TOUCHED = Date.UTC(2020, 1, 2, 2, 2, 2) / 1000;

test('rclone mount (--vfs-cache-mode writes): files and nested dirs, 12 MiB multipart, write in the middle, append, rename of a file and a dir, touch -d, rm, rmdir, remount', async (t) => {
  const fuse = await fuseClient('rclone', ['version'], /rclone v\S+/, 'rclone');
  if ('skip' in fuse) {
    t.skip(fuse.skip);
    return;
  }
  const { tool, fusermount } = fuse;
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-rclone-mount');
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const conf = await rcloneConf(dir.path, gw);
  const env = clientEnv(dir.path, { RCLONE_CONFIG: conf });
  const mnt = join(dir.path, 'mnt');
  await mkdir(mnt);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  let live: FuseChild | undefined;
  let log = (): string => '';
  let mounts = 0;
  const mount = async (): Promise<void> => {
    // Foreground (no --daemon), so the child is rclone itself and fusermount -u ends it. A cache
    // dir of its own per mount: the remount starts with nothing cached and must read the bucket.
    live = await spawnMount(tool.path, ['mount', `gw:${BUCKET}`, mnt, '--config', conf, '--cache-dir', join(dir.path, `cache${++mounts}`),
      '--vfs-cache-mode', 'writes', '--vfs-write-back', '0s', '--dir-cache-time', '1s', '--poll-interval', '0',
      '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', '--low-level-retries', '1', '--log-level', 'INFO'], mnt, env);
    log = live.log;
  };
  /** fusermount -u, then wait for rclone to finish its uploads and exit. */
  const unmount = async (): Promise<void> => {
    if (!live) return;
    const { child } = live;
    live = undefined;
    if (await fuseUnmount(fusermount, mnt, env, child, 15_000) === 'timeout') throw new Error(`rclone mount did not exit within 15 s of the unmount:\n${log().slice(-3000)}`);
  };
  await whileMounted(t, mount, exercise, unmount);

  async function exercise(): Promise<void> {
    const sh = (script: string): Promise<RunResult> => runOk('sh', ['-ec', script], { env, cwd: mnt, timeoutMs: 60_000 });
    /** Wait (up to 10 s) until the gateway has seen what `done` looks for: uploads run after close. */
    const seenUntil = async (what: string, done: (seen: SeenRequest[]) => boolean): Promise<void> => {
      for (let i = 0; i < 200; i++) {
        if (done(watch.seen)) return;
        await sleep(50);
      }
      throw new Error(`the gateway never saw ${what}:\n${watch.seen.slice(-20).map((q) => `${q.method} ${q.url} ${q.status}`).join('\n')}\n${log().slice(-3000)}`);
    };
    const ok = (q: SeenRequest): boolean => q.status !== undefined && q.status < 300;
    const completes = (key: string) => (seen: SeenRequest[]): number => seen.filter((q) => q.method === 'POST' && q.url.startsWith(`/${BUCKET}/${key}?uploadId=`) && ok(q)).length;
    const puts = (key: string) => (seen: SeenRequest[]): SeenRequest[] => seen.filter((q) => q.method === 'PUT' && q.url.split('?')[0] === `/${BUCKET}/${encodeURI(key)}` && ok(q));

    const big = pseudoRandom(BIG, 'rclone-mount-big');
    const bigFile = join(dir.path, 'big.bin');
    await writeFile(bigFile, big);
    await utimes(bigFile, PAST, PAST);
    const patch = pseudoRandom(64 * 1024, 'rclone-mount-patch');
    await writeFile(join(dir.path, 'patch.bin'), patch);
    const mid = pseudoRandom(300 * 1024, 'rclone-mount-mid');
    await writeFile(join(dir.path, 'mid.bin'), mid);
    const expectedBig = Buffer.from(big);
    patch.copy(expectedBig, 6 * MiB + 4096);
    const nested = (i: number): string => `nested file ${i}\n`;

    await t.test('write files and a nested tree with cp, dd, mkdir -p, echo; a 12 MiB cp goes up in 5 MiB parts', async () => {
      await sh(`echo hello > small.txt
  mkdir -p 'a/b c/d'
  for i in 1 2 3 4 5; do echo "nested file $i" > "a/b c/d/f$i.txt"; done
  echo top > a/top.txt
  dd if='${join(dir.path, 'mid.bin')}' of=a/mid.bin bs=100k status=none
  cp --preserve=timestamps '${bigFile}' big.bin`);
      await seenUntil('the 12 MiB multipart upload completed', (s) => completes('big.bin')(s) === 1);
      await seenUntil('the PUTs of the small files', (s) => ['small.txt', 'a/top.txt', 'a/mid.bin', 'a/b c/d/f5.txt'].every((k) => puts(k)(s).length >= 1));
      const parts = watch.seen.filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/big.bin?`) && q.url.includes('partNumber=') && ok(q));
      assert.deepEqual(parts.map((q) => Number(q.headers['content-length'])).sort((x, y) => y - x), [5 * MiB, 5 * MiB, 2 * MiB], 'parts of 5, 5 and 2 MiB');
      const create = watch.seen.filter((q) => q.method === 'POST' && q.url.split('?')[0] === `/${BUCKET}/big.bin` && new URLSearchParams(q.url.split('?')[1]).has('uploads'));
      assert.equal(create.length, 1, 'one CreateMultipartUpload');
      assert.equal(Number(create[0]!.headers['x-amz-meta-mtime']), PAST, `the local mtime sent as x-amz-meta-mtime: ${create[0]!.headers['x-amz-meta-mtime']}`);
      const ls = await sh("ls -l small.txt big.bin 'a/b c/d' | awk '{print $5, $NF}'; stat -c '%s %Y' a/mid.bin big.bin");
      assert.match(ls.stdout, /^6 small\.txt$/m);
      assert.match(ls.stdout, new RegExp(`^${BIG} big\\.bin$`, 'm'));
      assert.equal(ls.stdout.split('\n').filter((l) => /^14 f\d\.txt$/.test(l)).length, 5);
      assert.match(ls.stdout, new RegExp(`^${mid.length} \\d+\\n${BIG} ${PAST}$`, 'm'), 'cp --preserve=timestamps kept the mtime');
    });

    await t.test('a 64 KiB dd conv=notrunc into the middle of the 12 MiB file and an append: each file uploaded whole again', async () => {
      const from = watch.seen.length;
      await sh(`dd if='${join(dir.path, 'patch.bin')}' of=big.bin bs=4096 seek=$((6*256+1)) conv=notrunc status=none
  echo world >> small.txt`);
      await seenUntil('the second multipart upload of big.bin', (s) => completes('big.bin')(s) === 2);
      await seenUntil('the PUT of the appended small.txt', (s) => puts('small.txt')(s.slice(from)).length === 1);
      const r = await sh("sha256sum big.bin | cut -d' ' -f1; cat small.txt");
      assert.deepEqual(r.stdout.trim().split('\n'), [sha256(expectedBig), 'hello', 'world']);
      const body = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/big.bin?`) && ok(q)).reduce((n, q) => n + Number(q.headers['content-length']), 0);
      assert.equal(body, BIG, 'the whole file went up again in parts');
    });

    await t.test('rename of a file and of a directory: CopyObject + DeleteObject for each object', async () => {
      const from = watch.seen.length;
      await sh("mv big.bin moved.bin\nmv 'a/b c' 'a/renamed dir'");
      const later = (): SeenRequest[] => watch.seen.slice(from);
      const copies = later().filter((q) => q.method === 'PUT' && q.headers['x-amz-copy-source'] !== undefined);
      assert.ok(copies.every(ok), copies.map((q) => `${q.url} ${q.status}`).join(', '));
      const copied = copies.map((q) => decodeURIComponent(q.url.split('?')[0]!)).sort();
      assert.deepEqual(copied, [`/${BUCKET}/a/renamed dir/d/f1.txt`, `/${BUCKET}/a/renamed dir/d/f2.txt`, `/${BUCKET}/a/renamed dir/d/f3.txt`,
        `/${BUCKET}/a/renamed dir/d/f4.txt`, `/${BUCKET}/a/renamed dir/d/f5.txt`, `/${BUCKET}/moved.bin`]);
      const deleted = later().filter((q) => q.method === 'DELETE' && ok(q)).map((q) => decodeURIComponent(q.url.split('?')[0]!)).sort();
      assert.deepEqual(deleted, [`/${BUCKET}/a/b c/d/f1.txt`, `/${BUCKET}/a/b c/d/f2.txt`, `/${BUCKET}/a/b c/d/f3.txt`, `/${BUCKET}/a/b c/d/f4.txt`, `/${BUCKET}/a/b c/d/f5.txt`, `/${BUCKET}/big.bin`]);
      assert.equal(later().filter((q) => q.method === 'PUT' && q.headers['x-amz-copy-source'] === undefined).length, 0, 'nothing uploaded again');
      const r = await sh("test ! -e big.bin && test ! -e 'a/b c' && sha256sum moved.bin | cut -d' ' -f1 && cat 'a/renamed dir/d/f3.txt'");
      assert.deepEqual(r.stdout.trim().split('\n'), [sha256(expectedBig), nested(3).trim()]);
    });

    await t.test('touch -d, rm, mkdir and rmdir', async () => {
      const from = watch.seen.length;
      await sh(`touch -d '2020-02-02 02:02:02 UTC' small.txt
  rm 'a/renamed dir/d/f5.txt' a/top.txt
  mkdir -p gone/deeper && rmdir gone/deeper gone`);
      const r = await sh("stat -c %Y small.txt; ls 'a/renamed dir/d' | wc -l; ls a; test ! -e gone && echo no-gone");
      assert.deepEqual(r.stdout.trim().split('\n'), [String(TOUCHED), '4', 'mid.bin', 'renamed dir', 'no-gone']);
      const touch = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.split('?')[0] === `/${BUCKET}/small.txt`);
      assert.equal(touch.length, 1, 'one request for the touch');
      assert.equal(decodeURIComponent(String(touch[0]!.headers['x-amz-copy-source'])).replace(/^\//, ''), `${BUCKET}/small.txt`, 'a CopyObject onto itself');
      assert.equal(touch[0]!.headers['x-amz-metadata-directive'], 'REPLACE');
    });

    await t.test('after unmount, the objects through the S3 API: bytes, X-Amz-Meta-Mtime, keys moved and gone', async () => {
      await unmount();
      const get = async (key: string): Promise<Buffer> => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
      const keys = await listKeys(s3, BUCKET);
      assert.deepEqual(keys.sort(), ['a/mid.bin', 'a/renamed dir/d/f1.txt', 'a/renamed dir/d/f2.txt', 'a/renamed dir/d/f3.txt', 'a/renamed dir/d/f4.txt', 'moved.bin', 'small.txt']);
      assert.equal(sha256(await get('moved.bin')), sha256(expectedBig), 'the middle write landed and nothing else changed');
      assert.equal(sha256(await get('a/mid.bin')), sha256(mid));
      assert.equal((await get('small.txt')).toString(), 'hello\nworld\n');
      for (let i = 1; i <= 4; i++) assert.equal((await get(`a/renamed dir/d/f${i}.txt`)).toString(), nested(i));
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small.txt' }));
      assert.equal(Number(head.Metadata?.mtime), TOUCHED, `x-amz-meta-mtime ${head.Metadata?.mtime}`);
      const moved = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'moved.bin' }));
      assert.ok(Number(moved.Metadata?.mtime) > PAST, `the write into the middle moved the mtime on: ${moved.Metadata?.mtime}`);
      assert.equal(moved.ContentLength, BIG);
    });

    await t.test('a fresh mount (empty cache) reads everything back byte-equal', async () => {
      await mount();
      const r = await sh(`sha256sum moved.bin a/mid.bin | cut -d' ' -f1; cat small.txt 'a/renamed dir/d/f1.txt' 'a/renamed dir/d/f4.txt'; stat -c %Y small.txt; ls -A; ls -A a`);
      assert.deepEqual(r.stdout.trim().split('\n'), [sha256(expectedBig), sha256(mid), 'hello', 'world', nested(1).trim(), nested(4).trim(), String(TOUCHED),
        'a', 'moved.bin', 'small.txt', 'mid.bin', 'renamed dir']);
      await unmount();
    });

    await t.test('the gateway answered no request with a 5xx', () => {
      const bad = watch.seen.filter((q) => (q.status ?? 0) >= 500);
      assert.deepEqual(bad.map((q) => `${q.method} ${q.url} ${q.status}`), []);
    });
  }
});
