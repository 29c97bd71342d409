/**
 * s3fs-fuse (Debian s3fs 1.90): the bucket mounted as a file system, used with ordinary shell
 * tools, against an in-process gateway (local backend, plain HTTP, path style). s3fs turns file
 * operations into S3 calls of its own kind: multipart uploads of 5 MiB parts, a rename as CopyObject
 * (UploadPartCopy with ranges for a large file), a write into the middle of a large file as a
 * multipart upload mixing UploadPartCopy of the unchanged ranges with uploaded parts ("mixupload"),
 * chmod/utime as CopyObject with REPLACE metadata (x-amz-meta-mode, -mtime), directories as
 * `dir/` objects, symlinks as objects holding the target.
 *
 * Every file operation runs in a child process (sh): the gateway serves s3fs from this process's
 * event loop and thread pool, which file calls on the mount made here could block. After an
 * unmount and a fresh mount (no cache) the data read back is compared byte for byte, and the
 * objects are checked through the S3 API.
 *
 * Skips with a reason without s3fs, fusermount or /dev/fuse, or when the mount is refused
 * (no FUSE in the container). .ci/run installs s3fs: apt-get install -y s3fs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, fuseClient, fuseUnmount, listKeys, pseudoRandom, runOk, sha256, spawnMount, whileMounted, type RunResult } from './harness.js';

const MiB = 1024 * 1024;
const BUCKET = 's3fs-b';

test('s3fs-fuse: files, dirs, a 30 MiB file in parts, rename, write in the middle, append, chmod, symlink, remount', async (t) => {
  const fuse = await fuseClient('s3fs', ['--version'], /V\d+\.\d+/, 's3fs');
  if ('skip' in fuse) {
    t.skip(fuse.skip);
    return;
  }
  const { tool, fusermount } = fuse;
  t.diagnostic(`${tool.path}: s3fs ${tool.version}`);
  const { gw, watch, dir } = await clientRig(t, 'clients-s3fs');
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const env = clientEnv(dir.path);
  const mnt = join(dir.path, 'mnt');
  await mkdir(mnt);
  const passwd = join(dir.path, 'passwd');
  await writeFile(passwd, `${gw.accessKey}:${gw.secretKey}\n`, { mode: 0o600 });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));

  let child: ChildProcess | undefined;
  const mount = async (): Promise<void> => {
    // -f: foreground, so the child is s3fs itself. Parts of 5 MiB (the minimum), multipart copies
    // from 5 MiB (default 512), so the 30 MiB rename goes through UploadPartCopy. s3fs 1.90 splits
    // a copied range by multipart_copy_size and leaves the rest as a part of its own, which may be
    // under 5 MiB: S3 then refuses the upload with EntityTooSmall, and so does this gateway
    // (s3fs-fuse PR #1809, fixed in 1.91). The write below lands on a 5 MiB boundary so every
    // copied range splits evenly.
    child = (await spawnMount(tool.path, [BUCKET, mnt, '-f', '-o', `url=${gw.url}`, '-o', 'use_path_request_style', '-o', `passwd_file=${passwd}`,
      '-o', 'multipart_size=5', '-o', 'multipart_copy_size=5', '-o', 'dbglevel=warn', '-o', 'retries=1'], mnt, env)).child;
  };
  const unmount = async (): Promise<void> => {
    if (!child) return;
    const c = child;
    child = undefined;
    await fuseUnmount(fusermount, mnt, env, c, 10_000);
  };
  await whileMounted(t, mount, exercise, unmount);

  async function exercise(): Promise<void> {
    const sh = (script: string): Promise<RunResult> => runOk('sh', ['-ec', script], { env, cwd: mnt, timeoutMs: 120_000 });

    const big = pseudoRandom(30 * MiB, 's3fs-big');
    const bigFile = join(dir.path, 'big.bin');
    await writeFile(bigFile, big);
    const patch = pseudoRandom(4096, 's3fs-patch');
    await writeFile(join(dir.path, 'patch.bin'), patch);
    const expected = Buffer.from(big);
    patch.copy(expected, 10 * MiB);

    await t.test('write files and a directory tree; ls shows them with their sizes', async () => {
      await sh(`printf hello > small.txt
  mkdir -p 'dir one/sub'
  for i in 1 2 3 4 5 6 7 8 9 10; do printf "file $i" > "dir one/sub/f$i.txt"; done
  cp '${bigFile}' big.bin`);
      const ls = await sh("ls -l small.txt big.bin 'dir one/sub' | awk '{print $5, $NF}'");
      assert.match(ls.stdout, /^5 small\.txt$/m);
      assert.match(ls.stdout, new RegExp(`^${30 * MiB} big\\.bin$`, 'm'));
      assert.equal(ls.stdout.split('\n').filter((l) => /^6 f\d+\.txt$|^7 f10\.txt$/.test(l)).length, 10);
      // s3fs folds the remainder into the last part: 5 + 5 + 5 + 5 + 10 MiB.
      const puts = watch.seen.filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/big.bin?`) && q.url.includes('partNumber=') && q.status === 200);
      assert.ok(puts.length >= 5, `30 MiB in 5 MiB parts: ${puts.length} UploadPart requests`);
      assert.equal(puts.reduce((n, q) => n + Number(q.headers['content-length']), 0), 30 * MiB);
    });

    await t.test('rename of the 30 MiB file: server-side copy in ranged parts, the old name gone', async () => {
      const from = watch.seen.length;
      await sh('mv big.bin moved.bin');
      const copies = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/moved.bin?`) && q.headers['x-amz-copy-source-range'] !== undefined);
      assert.ok(copies.length >= 6, `UploadPartCopy requests: ${copies.length}`);
      assert.ok(copies.every((q) => q.status === 200), 'every UploadPartCopy succeeded');
      const r = await sh('test ! -e big.bin && sha256sum moved.bin');
      assert.equal(r.stdout.split(' ')[0], sha256(big));
    });

    await t.test('a 4 KiB write into the middle, an append, chmod, touch -d, a symlink, rm and rmdir', async () => {
      const from = watch.seen.length;
      await sh(`dd if='${join(dir.path, 'patch.bin')}' of=moved.bin bs=4096 count=1 seek=$((10*1024*1024)) oflag=seek_bytes conv=notrunc status=none
  printf ' world' >> small.txt
  chmod 640 small.txt
  # touch -d, not -m: s3fs 1.90 sends nothing for a utimens that leaves atime alone (UTIME_OMIT)
  touch -d '2020-02-02 02:02:02 UTC' small.txt
  ln -s small.txt link.txt
  rm 'dir one/sub/f10.txt'
  mkdir gone && rmdir gone`);
      // The write into the middle is a multipart upload mixing copied ranges of the old object
      // with the uploaded part that holds the new bytes ("mixupload").
      const parts = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/moved.bin?`) && q.url.includes('partNumber='));
      assert.ok(parts.every((q) => q.status === 200), parts.map((q) => `${q.url} ${q.status}`).join(', '));
      assert.ok(parts.filter((q) => q.headers['x-amz-copy-source-range'] !== undefined).length >= 2, 'copied ranges');
      assert.ok(parts.some((q) => q.headers['x-amz-copy-source-range'] === undefined), 'an uploaded part');
      const r = await sh('cat small.txt; echo; stat -c "%a %Y" small.txt; readlink link.txt; ls "dir one/sub" | wc -l; test ! -e gone && echo no-gone');
      assert.deepEqual(r.stdout.trim().split('\n'), ['hello world', `640 ${Date.UTC(2020, 1, 2, 2, 2, 2) / 1000}`, 'small.txt', '9', 'no-gone']);
    });

    await t.test('after unmount, the objects through the S3 API: bytes, mode and mtime metadata, the dir markers', async () => {
      await unmount();
      const get = async (key: string): Promise<Buffer> => Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
      assert.equal(sha256(await get('moved.bin')), sha256(expected), 'the middle write landed and nothing else changed');
      assert.equal((await get('small.txt')).toString(), 'hello world');
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'small.txt' }));
      assert.equal(Number(head.Metadata?.mode) & 0o777, 0o640, `x-amz-meta-mode ${head.Metadata?.mode}`);
      assert.equal(head.Metadata?.mtime, String(Date.UTC(2020, 1, 2, 2, 2, 2) / 1000));
      const keys = await listKeys(s3, BUCKET);
      assert.ok(!keys.includes('big.bin') && !keys.includes('gone/'), keys.join(','));
      for (const k of ['moved.bin', 'small.txt', 'link.txt', 'dir one/sub/f1.txt', 'dir one/sub/f9.txt']) assert.ok(keys.includes(k), `${k} in ${keys.join(',')}`);
      assert.ok(!keys.includes('dir one/sub/f10.txt'));
    });

    await t.test('a fresh mount reads everything back', async () => {
      await mount();
      const r = await sh("sha256sum moved.bin | cut -d' ' -f1; cat small.txt; echo; cat 'dir one/sub/f7.txt'; echo; readlink link.txt");
      assert.deepEqual(r.stdout.trim().split('\n'), [sha256(expected), 'hello world', 'file 7', 'small.txt']);
      await unmount();
    });
  }
});


