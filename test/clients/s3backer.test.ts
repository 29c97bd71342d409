/**
 * s3backer (Debian s3backer 1.5.4: FUSE, libcurl, its own SigV4 and SigV2 signing) against an
 * in-process gateway (local backend, plain HTTP): the single file it presents is cut into
 * fixed-size blocks, each stored as one object named by its block number in 8 hex digits
 * (`[prefix]0000000a`). An all-zero block is never stored: s3backer DELETEs it, and with
 * `--listBlocks` it lists the bucket at mount (ListObjects v1, `max-keys=256`, paged by `marker`)
 * so that it never GETs a block that is not there. Block 0 carries the geometry as metadata
 * (`x-amz-meta-s3backer-blocksize` / `-filesize`: a remount without `--size` reads it by HEAD). A
 * mount writes `s3backer-mounted` with `x-amz-meta-s3backer-mount-token` and refuses to start while
 * that object exists; `--reset-mounted-flag` deletes it, `--erase --force` deletes every block.
 * Each PUT carries Content-MD5 and s3backer checks the ETag it gets back; reads of blocks it knows
 * the MD5 of are conditional: `If-Match` for a read-modify-write of a block written moments ago,
 * `If-None-Match` to check a block kept in its cache file (a 304 means the cached copy is good).
 * `--compress --encrypt` store `Content-Encoding: deflate, encrypt-AES-128-CBC` and an HMAC in
 * `x-amz-meta-s3backer-hmac`, both of which must come back on GET. A bucket written with
 * `--accessType=public-read` is then mounted `--readOnly` without keys, as the man page describes.
 *
 * Every file operation runs in a child process (sh, dd, cmp): the gateway serves s3backer from
 * this process's event loop, which a file call on the mount made here would block. s3backer's own
 * `stats` file (its counters of stale reads, verified blocks, HTTP errors and retries) is read at
 * each unmount.
 *
 * Not exercised: `--sse=AES256`. This gateway answers server-side encryption requests with 501
 * NotImplemented (src/s3/object-headers.ts refuseEncryption: storing unencrypted what the client
 * asked to be encrypted would be a silent lie), and s3backer retries the mount-token PUT until it
 * gives up. `--region` also turns on virtual-hosted style (man s3backer), so the path-style mounts
 * leave it at its default (us-east-1) and the vhost mount below sets it.
 *
 * Skips with a reason without s3backer, fusermount or /dev/fuse, or when the FUSE mount is
 * refused. .ci/run installs it: apt-get install -y s3backer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutBucketAclCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientEnv, clientRig, fuseClient, fuseUnmount, listKeys, pseudoRandom, run, runOk, spawnMount, whileMounted, type RunResult, type SeenRequest } from './harness.js';

const KiB = 1024;
const BUCKET = 's3backer-b';
const VBUCKET = 's3backer-v';
const PBUCKET = 's3backer-pub';
const TOKEN = 's3backer-mounted';

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');
const blockName = (n: number): string => n.toString(16).padStart(8, '0');

/** A running s3backer (foreground) and what it printed. */
interface Mount {
  dir: string;
  child: ChildProcess;
  log: () => string;
}

test('s3backer: blocks at aligned and straddling offsets, zero blocks deleted, listBlocks, mount token, If-Match/If-None-Match, prefix paging, compress+encrypt over vhost and SigV2, anonymous read-only, erase', async (t) => {
  const fuse = await fuseClient('s3backer', ['--version'], /s3backer version \S+/, 's3backer');
  if ('skip' in fuse) {
    t.skip(fuse.skip);
    return;
  }
  const { tool, fusermount } = fuse;
  t.diagnostic(`${tool.path}: ${tool.version}`);
  const bin = tool.path;
  // The domain lets the last mount use virtual-hosted style (curl resolves *.localhost itself).
  const { gw, watch, dir } = await clientRig(t, 'clients-s3backer', { backend: 'local', domain: 'localhost' });
  const s3 = new S3Client({ ...gw.clientConfig(), maxAttempts: 1 });
  t.after(() => s3.destroy());
  const env = clientEnv(dir.path);
  const accessFile = join(dir.path, 'passwd');
  await writeFile(accessFile, `${gw.accessKey}:${gw.secretKey}\n`, { mode: 0o600 });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new CreateBucketCommand({ Bucket: VBUCKET }));
  // Retries kept short, so that a refused request fails the test in seconds rather than after
  // s3backer's default 30 s of backing off.
  const common = [`--accessFile=${accessFile}`, '--timeout=15', '--initialRetryPause=100', '--maxRetryPause=1000'];
  const pathStyle = [...common, `--baseURL=${gw.url}/`, '--authVersion=aws4'];

  const idle = join(dir.path, 'not-mounted');
  await mkdir(idle);
  const live: Mount[] = [];
  let mountDirs = 0;
  const mount = async (args: string[], bucket = BUCKET): Promise<Mount> => {
    const mnt = join(dir.path, `mnt${++mountDirs}`);
    await mkdir(mnt);
    const { child, log } = await spawnMount(bin, [...args, '-f', bucket, mnt], mnt, env, 15_000);
    const m: Mount = { dir: mnt, child, log };
    live.push(m);
    return m;
  };
  /** fusermount -u, then wait for s3backer to flush its dirty blocks, clear the token and exit. */
  const unmount = async (m: Mount): Promise<number | null> => {
    const i = live.indexOf(m);
    if (i < 0) return m.child.exitCode;
    live.splice(i, 1);
    const code = await fuseUnmount(fusermount, m.dir, env, m.child, 20_000);
    if (code === 'timeout') throw new Error(`s3backer did not exit within 20 s of the unmount:\n${m.log().slice(-3000)}`);
    return code;
  };
  const sh = (script: string, cwd = dir.path): Promise<RunResult> => runOk('sh', ['-ec', script], { env, cwd, timeoutMs: 60_000 });
  /** s3backer's counters (the `stats` file in the mount). */
  const stats = async (m: Mount): Promise<Record<string, number>> => {
    const text = (await sh(`cat '${m.dir}/stats'`)).stdout;
    return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => { const [k, v] = l.trim().split(/\s+/); return [k!, Number(v)]; }));
  };
  /** No stale block, no ETag mismatch, no HTTP error and no retry in this mount's life so far. */
  const assertClean = (s: Record<string, number>, log: string): void => {
    for (const k of ['http_stale', 'http_mismatch', 'http_unauthorized', 'http_forbidden', 'http_4xx_error', 'http_5xx_error', 'http_other_error', 'http_num_retries', 'block_cache_mismatch']) {
      assert.equal(s[k] ?? 0, 0, `${k} = ${s[k]}\n${log.slice(-2000)}`);
    }
  };
  const keysOf = (bucket: string, prefix?: string): Promise<string[]> => listKeys(s3, bucket, prefix);
  const getObject = async (bucket: string, key: string): Promise<{ body: Buffer; etag?: string; meta?: Record<string, string>; encoding?: string; type?: string; storageClass?: string }> => {
    const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: Buffer.from(await r.Body!.transformToByteArray()), etag: r.ETag, meta: r.Metadata, encoding: r.ContentEncoding, type: r.ContentType, storageClass: r.StorageClass };
  };

  // The image: 1 MiB in 64 KiB blocks. Writes: one aligned block, one run straddling blocks 2-4
  // (a partial, a whole and a partial block), a few bytes inside block 10, the last 4 KiB.
  const BS = 64 * KiB;
  const SIZE = 1024 * KiB;
  const writes = [
    { off: 0, data: pseudoRandom(BS, 's3backer/aligned') },
    { off: 3 * BS - 5000, data: pseudoRandom(100_000, 's3backer/straddle') },
    { off: 10 * BS + 12_345, data: pseudoRandom(1000, 's3backer/inner') },
    { off: SIZE - 4096, data: pseudoRandom(4096, 's3backer/tail') },
  ];
  const image = Buffer.alloc(SIZE);
  for (const [i, w] of writes.entries()) {
    w.data.copy(image, w.off);
    await writeFile(join(dir.path, `w${i}.bin`), w.data);
  }
  const ddWrites = writes.map((w, i) => `dd if=w${i}.bin of="$F" bs=4096 seek=${w.off} oflag=seek_bytes conv=notrunc status=none`).join('\n');

  await whileMounted(t, () => mount([...pathStyle, `--size=${SIZE}`, `--blockSize=${BS}`, '--listBlocks']), exercise, async () => {
    for (const m of [...live]) await unmount(m).catch(() => undefined);
  }, /fuse|permission|not permitted/i);

  async function exercise(first: Mount): Promise<void> {
    await t.test('dd at aligned and straddling offsets: one object per non-zero block, Content-MD5 on each PUT, geometry on block 0, the mount token while mounted', async () => {
      assert.match(first.log(), /found 0 non-zero blocks/);
      const token = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: TOKEN }));
      assert.match(token.Metadata?.['s3backer-mount-token'] ?? '', /^[0-9a-f]{8}$/, JSON.stringify(token.Metadata));
      const from = watch.seen.length;
      await sh(`F='${first.dir}/file'\ntest "$(stat -c %s "$F")" = ${SIZE}\n${ddWrites}`);
      const s = await stats(first);
      const log = first.log();
      assert.equal(await unmount(first), 0, log.slice(-2000));
      assertClean(s, log);
      assert.equal(s.http_gets, 0, 'with --listBlocks, the partial writes read no block that is not stored');

      const expected = [0, 2, 3, 4, 10, 15];
      assert.deepEqual(await keysOf(BUCKET), expected.map(blockName), 'one object per non-zero block, and the token gone after the unmount');
      for (const n of expected) {
        const o = await getObject(BUCKET, blockName(n));
        assert.ok(o.body.equals(image.subarray(n * BS, (n + 1) * BS)), `block ${n} holds the image's bytes`);
        assert.equal(o.etag, `"${md5(o.body)}"`);
        assert.equal(o.type, 'application/x-s3backer-block');
      }
      const b0 = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: blockName(0) }));
      assert.deepEqual([b0.Metadata?.['s3backer-blocksize'], b0.Metadata?.['s3backer-filesize']], [String(BS), String(SIZE)]);
      const puts = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/0`));
      assert.ok(puts.length >= expected.length, `${puts.length} block PUTs`);
      for (const q of puts) {
        assert.equal(q.status, 200, q.url);
        assert.match(String(q.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/, `${q.url}: Content-MD5`);
        assert.match(String(q.headers.authorization), /^AWS4-HMAC-SHA256 /);
      }
    });

    await t.test('remount without --size (geometry from block 0): byte-exact, only listed blocks read; zeroed blocks deleted; a second mount refused', async () => {
      const from = watch.seen.length;
      const m = await mount([...pathStyle, '--listBlocks']);
      assert.match(m.log(), /auto-detected block size=64k and total size=1m/);
      assert.match(m.log(), /found 6 non-zero blocks/);
      await writeFile(join(dir.path, 'image.bin'), image);
      await sh(`cmp image.bin '${m.dir}/file'`);
      const gets = watch.seen.slice(from).filter((q) => q.method === 'GET' && q.url.startsWith(`/${BUCKET}/0`));
      assert.deepEqual([...new Set(gets.map((q) => q.url.split('/').pop()))].sort(), [0, 2, 3, 4, 10, 15].map(blockName));
      assert.ok(gets.every((q) => q.status === 200));
      const list = watch.seen.slice(from).filter((q) => q.method === 'GET' && q.url.startsWith(`/${BUCKET}?`));
      assert.equal(list.length, 1);
      assert.equal(new URLSearchParams(list[0]!.url.split('?')[1]).get('max-keys'), '256');

      // A second s3backer on the same bucket sees the token and stops before mounting.
      const second = await run(bin, [...pathStyle, '-f', BUCKET, idle], { env, timeoutMs: 30_000 });
      assert.notEqual(second.code, 0);
      assert.match(second.stderr, /appears to be already mounted \(using mount token 0x[0-9a-f]{8}\)/);

      // Block 3 zeroed whole, block 10 zeroed where it held data: both become all-zero blocks.
      const zeroFrom = watch.seen.length;
      await sh(`dd if=/dev/zero of='${m.dir}/file' bs=${BS} seek=3 count=1 conv=notrunc status=none
dd if=/dev/zero of='${m.dir}/file' bs=1000 seek=${writes[2]!.off} count=1 oflag=seek_bytes conv=notrunc status=none`);
      const s = await stats(m);
      const log = m.log();
      assert.equal(await unmount(m), 0, log.slice(-2000));
      assertClean(s, log);
      const deletes = watch.seen.slice(zeroFrom).filter((q) => q.method === 'DELETE' && q.url.startsWith(`/${BUCKET}/0`));
      assert.deepEqual(deletes.map((q) => `${q.url} ${q.status}`).sort(), [`/${BUCKET}/${blockName(3)} 204`, `/${BUCKET}/${blockName(10)} 204`]);
      assert.ok(!watch.seen.slice(zeroFrom).some((q) => q.method === 'PUT' && q.url.startsWith(`/${BUCKET}/0`)), 'a zeroed block is deleted, not stored');
      assert.deepEqual(await keysOf(BUCKET), [0, 2, 4, 15].map(blockName));
      image.fill(0, 3 * BS, 4 * BS);
      image.fill(0, writes[2]!.off, writes[2]!.off + 1000);
    });

    await t.test('a token left by a crash: the mount is refused; --reset-mounted-flag clears it', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: TOKEN, Body: 'stale', ContentType: 'text/plain', Metadata: { 's3backer-mount-token': '1234abcd' } }));
      const refused = await run(bin, [...pathStyle, '-f', BUCKET, idle], { env, timeoutMs: 30_000 });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /already mounted \(using mount token 0x1234abcd\)/);
      const from = watch.seen.length;
      await runOk(bin, [...pathStyle, '--reset-mounted-flag', BUCKET], { env, timeoutMs: 30_000 });
      assert.deepEqual(watch.seen.slice(from).filter((q) => q.method === 'DELETE').map((q) => `${q.url} ${q.status}`), [`/${BUCKET}/${TOKEN} 204`]);
      assert.ok(!(await keysOf(BUCKET)).includes(TOKEN));
    });

    await t.test('--prefix and 300 blocks: the listing paged by marker; the cache file re-verified with If-None-Match (304)', async () => {
      const data = pseudoRandom(300 * KiB, 's3backer/paged');
      await writeFile(join(dir.path, 'paged.bin'), data);
      const cacheFile = join(dir.path, 'blocks.cache');
      const args = [...pathStyle, '--prefix=vol/', '--blockSize=1k', '--size=1M', '--listBlocks', `--blockCacheFile=${cacheFile}`];
      const a = await mount(args);
      await sh(`dd if=paged.bin of='${a.dir}/file' bs=64k conv=notrunc status=none`);
      const sa = await stats(a);
      assert.equal(await unmount(a), 0, a.log().slice(-2000));
      assertClean(sa, a.log());
      const keys = await keysOf(BUCKET, 'vol/');
      assert.deepEqual(keys, Array.from({ length: 300 }, (_, n) => `vol/${blockName(n)}`));

      const from = watch.seen.length;
      const b = await mount(args);
      assert.match(b.log(), /found 300 non-zero blocks/);
      const pages = watch.seen.slice(from).filter((q) => q.method === 'GET' && q.url.startsWith(`/${BUCKET}?`)).map((q) => new URLSearchParams(q.url.split('?')[1]));
      assert.deepEqual(pages.map((p) => [p.get('prefix'), p.get('marker')]), [['vol/', null], ['vol/', `vol/${blockName(255)}`]]);
      await sh(`head -c ${data.length} '${b.dir}/file' | cmp paged.bin -`);
      const sb = await stats(b);
      assert.equal(await unmount(b), 0, b.log().slice(-2000));
      assertClean(sb, b.log());
      const gets = watch.seen.slice(from).filter((q) => q.method === 'GET' && q.url.startsWith(`/${BUCKET}/vol/`));
      assert.ok(gets.length > 0 && gets.every((q) => q.headers['if-none-match'] !== undefined && q.status === 304),
        gets.slice(0, 5).map((q) => `${q.url} ${q.headers['if-none-match']} ${q.status}`).join(', '));
      assert.equal(sb.block_cache_verified, gets.length, 'every 304 counted as a verified cached block');
    });

    await t.test('vhost (--region) with SigV2, --compress --encrypt, no block cache: Content-Encoding and HMAC metadata kept; a read-modify-write with If-Match', async () => {
      const vhost = [...common, `--baseURL=http://localhost:${gw.port}/`, '--region=us-east-1', '--authVersion=aws2',
        '--compress', '--encrypt', '--password=correct horse', '--storageClass=STANDARD_IA', '--blockSize=4k', '--size=64k', '--blockCacheSize=0', '--minWriteDelay=0'];
      const plain = pseudoRandom(12 * KiB, 's3backer/vhost');
      const patch = pseudoRandom(100, 's3backer/patch');
      await writeFile(join(dir.path, 'v.bin'), plain);
      await writeFile(join(dir.path, 'patch.bin'), patch);
      const expected = Buffer.from(plain);
      patch.copy(expected, 4096 + 10);
      await writeFile(join(dir.path, 'v-expected.bin'), expected);
      const from = watch.seen.length;
      const a = await mount(vhost, VBUCKET);
      await sh(`dd if=v.bin of='${a.dir}/file' bs=4k seek=1 conv=notrunc status=none
dd if=patch.bin of='${a.dir}/file' bs=100 seek=${2 * 4096 + 10} oflag=seek_bytes conv=notrunc status=none`);
      const sa = await stats(a);
      assert.equal(await unmount(a), 0, a.log().slice(-2000));
      assertClean(sa, a.log());
      const seen = watch.seen.slice(from);
      assert.ok(seen.length > 0 && seen.every((q) => q.headers.host === `${VBUCKET}.localhost:${gw.port}` && q.url.startsWith('/')), 'virtual-hosted style');
      assert.ok(seen.every((q) => /^AWS \S+:\S+$/.test(String(q.headers.authorization))), 'SigV2');
      const rmw: SeenRequest[] = seen.filter((q) => q.method === 'GET' && q.url === `/${blockName(2)}`);
      assert.equal(rmw.length, 1);
      assert.equal(rmw[0]!.status, 200);
      assert.match(String(rmw[0]!.headers['if-match']), /^"[0-9a-f]{32}"$/, 'the block written a moment ago is read back with If-Match');

      assert.deepEqual(await keysOf(VBUCKET), [1, 2, 3].map(blockName));
      for (const n of [1, 2, 3]) {
        const o = await getObject(VBUCKET, blockName(n));
        assert.equal(o.encoding, 'deflate, encrypt-AES-128-CBC');
        assert.match(o.meta?.['s3backer-hmac'] ?? '', /^"[0-9a-f]{40}"$/);
        assert.equal(o.storageClass, 'STANDARD_IA');
        assert.equal(o.etag, `"${md5(o.body)}"`);
        assert.ok(!o.body.includes(plain.subarray(0, 64)), 'stored encrypted');
      }

      // A fresh mount decrypts and checks each block's HMAC: it needs the Content-Encoding and the
      // x-amz-meta-s3backer-hmac the gateway kept.
      const b = await mount(vhost, VBUCKET);
      await sh(`dd if='${b.dir}/file' bs=4k skip=1 count=3 status=none | cmp v-expected.bin -
dd if='${b.dir}/file' bs=4k count=1 status=none | cmp -n 4096 - /dev/zero`);
      const sb = await stats(b);
      assert.equal(await unmount(b), 0, b.log().slice(-2000));
      assertClean(sb, b.log());
    });

    await t.test('--accessType=public-read --rrs --blockHashPrefix, then an anonymous --readOnly mount of the public-read bucket', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: PBUCKET }));
      // The man page's "Read-Only Access": objects written public-read, and a bucket anyone may
      // list, so that the anonymous HEAD of the absent mount token is a 404 rather than a 403 (S3
      // hides a missing key behind AccessDenied from whoever may not list the bucket).
      await s3.send(new PutBucketAclCommand({ Bucket: PBUCKET, ACL: 'public-read' }));
      const data = pseudoRandom(8 * KiB, 's3backer/public');
      await writeFile(join(dir.path, 'pub.bin'), data);
      const from = watch.seen.length;
      const w = await mount([...pathStyle, '--size=64k', '--blockSize=4k', '--accessType=public-read', '--rrs', '--blockHashPrefix'], PBUCKET);
      await sh(`dd if=pub.bin of='${w.dir}/file' bs=4k conv=notrunc status=none`);
      assert.equal(await unmount(w), 0, w.log().slice(-2000));
      const puts = watch.seen.slice(from).filter((q) => q.method === 'PUT' && q.url.startsWith(`/${PBUCKET}/`));
      assert.ok(puts.length >= 3 && puts.every((q) => q.headers['x-amz-acl'] === 'public-read' && q.headers['x-amz-storage-class'] === 'REDUCED_REDUNDANCY' && q.status === 200),
        puts.map((q) => `${q.url} ${q.headers['x-amz-acl']} ${q.status}`).join(', '));
      const keys = await keysOf(PBUCKET);
      assert.equal(keys.length, 2, keys.join(','));
      assert.ok(keys.some((k) => /^[0-9a-f]{8}-00000000$/.test(k)) && keys.some((k) => /^[0-9a-f]{8}-00000001$/.test(k)), keys.join(','));

      const readFrom = watch.seen.length;
      const r = await mount([...common, `--baseURL=${gw.url}/`, '--accessId=', '--readOnly', '--blockHashPrefix'], PBUCKET);
      await sh(`head -c ${data.length} '${r.dir}/file' | cmp pub.bin -
! dd if=/dev/zero of='${r.dir}/file' bs=1 count=1 conv=notrunc status=none 2>/dev/null`);
      const s = await stats(r);
      assert.equal(await unmount(r), 0, r.log().slice(-2000));
      assertClean(s, r.log());
      const anon = watch.seen.slice(readFrom);
      assert.ok(anon.some((q) => q.method === 'GET' && q.status === 200), 'blocks read');
      assert.ok(anon.every((q) => q.headers.authorization === undefined && q.method !== 'PUT' && q.method !== 'DELETE'),
        anon.map((q) => `${q.method} ${q.url} ${q.status}`).join(', '));
    });

    await t.test('--erase --force lists the blocks and deletes each; a fresh mount then reads zeros', async () => {
      const from = watch.seen.length;
      const r = await runOk(bin, [...pathStyle, '--erase', '--force', BUCKET], { env, timeoutMs: 30_000 });
      assert.match(`${r.stdout}${r.stderr}`, /erased 4 non-zero blocks/);
      const deleted = watch.seen.slice(from).filter((q) => q.method === 'DELETE' && q.status === 204).map((q) => q.url.split('/').pop()!);
      for (const n of [0, 2, 4, 15]) assert.ok(deleted.includes(blockName(n)), `${blockName(n)} in ${deleted.join(',')}`);
      // --erase without --prefix covers the blocks of the unprefixed file only.
      assert.deepEqual((await keysOf(BUCKET)).filter((k) => !k.startsWith('vol/')), []);
      const m = await mount([...pathStyle, `--size=${SIZE}`, `--blockSize=${BS}`, '--listBlocks']);
      assert.match(m.log(), /found 0 non-zero blocks/);
      await sh(`cmp -n ${SIZE} '${m.dir}/file' /dev/zero`);
      assert.equal(await unmount(m), 0);
    });
  }
});

