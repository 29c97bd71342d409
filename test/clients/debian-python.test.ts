/**
 * Debian 12's own Python S3 stack, which many servers run instead of a pip-installed boto3:
 * python3-boto3 1.26 (botocore 1.29, s3transfer 0.6: before the 2025 flexible-checksum defaults),
 * python3-smart-open 5.2 (streaming reads and writes through a boto3 client) and
 * python3-django-storages 1.13 (S3Boto3Storage, the usual way a Django app keeps media files on
 * S3, configured in-process with django.conf.settings.configure). Only Debian's /usr/bin/python3
 * imports them (pyenv's python3 has boto3 1.43, tested in boto3.test.ts). One python process runs
 * test/clients/debian_python_flow.py against an in-process gateway (local backend, plain HTTP,
 * path style) and prints one JSON line per step, asserted here together with the requests the
 * gateway saw: the old wire style (Content-MD5 on PutObject, UploadPart (botocore handlers.py
 * conditionally_calculate_md5) and DeleteObjects, a
 * signed SHA-256 payload hash, never an x-amz-checksum-* header or aws-chunked body). The flow
 * runs twice: botocore 1.29 signs SigV4 with awscrt's signer when python3-awscrt is importable
 * (Debian's awscli 2 depends on it, so a machine with both uses it) and with its own otherwise.
 *
 * What the client does that the flow works around: awscrt's presigner refuses an expiry that is
 * not positive (an assert in awscrt.auth.AwsSigningConfig), so the expired URL is a SigV2 one,
 * botocore's default for presigning S3. smart_open 5.2's min_part_size defaults to 50 MiB (one
 * part for a 12 MiB stream); the flow sets 5 MiB to make it cut several.
 *
 * The gateway answered every request of these clients as S3 does; no gateway change came out of
 * this test. Skips with a reason when the packages are missing (.ci/run installs them:
 * apt-get install -y python3-boto3 python3-smart-open python3-django-storages).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, pseudoRandom, requestsTo, runOk, sha256, type Tool } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/debian_python_flow.py');
const MiB = 1024 * 1024;
/** Over boto3's default 8 MiB multipart threshold: parts of 8, 8 and 1 MiB (+ a tail). */
const BIG = 17 * MiB + 123;
const SKIP = 'Debian python3-boto3, python3-smart-open or python3-django-storages not importable by Debian /usr/bin/python3 (.ci/run installs them: apt-get install -y python3-boto3 python3-smart-open python3-django-storages)';

/** Debian's python3 when it imports the three packages (another python3 would bring other versions). */
async function findStack(): Promise<Tool | undefined> {
  return locate(['/usr/bin/python3'],
    ['-c', 'import boto3, smart_open, storages, django; print("boto3", boto3.__version__)'], /boto3 1\.\S+/);
}

/**
 * Run the flow and assert it. `crt`: botocore 1.29 signs SigV4 with awscrt's signer when
 * python3-awscrt is importable (Debian's awscli 2 pulls it in; a server without awscli has
 * botocore's own signer); with `crt: false` a directory on PYTHONPATH hides awscrt (its
 * __init__ raises ImportError, as botocore.compat's import of it then does).
 */
async function flow(t: TestContext, py: Tool, crt: boolean): Promise<void> {
  const { gw, watch, dir } = await clientRig(t, `clients-debian-python-${crt ? 'crt' : 'nocrt'}`);
  const bucket = 'deb-boto3';
  const media = 'deb-media';
  const big = pseudoRandom(BIG, 'debian-python-big');
  await writeFile(join(dir.path, 'big.bin'), big);
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, bucket, media_bucket: media, workdir: dir.path, big: 'big.bin' }));
  const extra: Record<string, string> = {};
  if (!crt) {
    await mkdir(join(dir.path, 'hide/awscrt'), { recursive: true });
    await writeFile(join(dir.path, 'hide/awscrt/__init__.py'), 'raise ImportError("awscrt hidden by debian-python.test.ts")\n');
    extra.PYTHONPATH = join(dir.path, 'hide');
  }
  // clientEnv leaves out AWS_CA_BUNDLE and any AWS_* of this machine.
  const r = await runOk(py.path, [SCRIPT, params], { env: clientEnv(dir.path, extra), timeoutMs: 120_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const v = stepOk('versions');
  t.diagnostic(JSON.stringify(v));
  if (!crt) assert.equal(v.crt, false, 'awscrt hidden');

  await t.test('versions; create_bucket, again (BucketAlreadyOwnedByYou)', () => {
    assert.match(String(v.boto3), /^1\.26\./);
    const s = stepOk('create_bucket x2, again (BucketAlreadyOwnedByYou)');
    assert.deepEqual(s.again, { status: 409, code: 'BucketAlreadyOwnedByYou' });
  });

  await t.test('upload_file over the 8 MiB threshold: three parts with Content-MD5; download_file by ranged GETs', async () => {
    const s = stepOk('upload_file over the default 8 MiB multipart threshold, download_file (default TransferConfig)');
    assert.equal(s.size, BIG);
    assert.match(String(s.etag), /-3"$/);
    assert.deepEqual(partsUploaded(seen, `/${bucket}/big.bin`), [1, 2, 3]);
    assert.equal(s.sha256, sha256(big));
    assert.equal(sha256(await readFile(join(dir.path, 'big.out'))), sha256(big));
    const parts = requestsTo(seen, 'PUT', `/${bucket}/big.bin`);
    assert.ok(parts.every((q) => typeof q.headers['content-md5'] === 'string'), 'botocore 1.29 sends Content-MD5 on UploadPart');
    const ranged = requestsTo(seen, 'GET', `/${bucket}/big.bin`).filter((q) => q.headers.range !== undefined && q.status === 206);
    assert.ok(ranged.length >= 3, `ranged GETs: ${ranged.length}`);
  });

  await t.test('upload_file/download_file of a small file: one PutObject with Content-MD5, metadata and type kept', () => {
    const s = stepOk('upload_file and download_file of a small file (one PutObject, one GetObject)');
    assert.equal(s.same, true);
    assert.equal(s.etag, `"${String(s.md5)}"`);
    assert.deepEqual(s.meta, { color: 'blue' });
    assert.equal(s.type, 'text/x-small');
    assert.deepEqual(s.missing, { status: 404, code: 'NoSuchKey' });
    const puts = requestsTo(seen, 'PUT', `/${bucket}/dir/small%20%C3%A9.txt`);
    assert.equal(puts.length, 1);
    assert.equal(puts[0]?.status, 200);
    assert.match(String(puts[0]?.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/);
    assert.match(String(puts[0]?.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/, 'the payload hash signed over plain HTTP');
  });

  const pageKeys = Array.from({ length: 25 }, (_, i) => `page/${String(i).padStart(3, '0')}`);
  await t.test('list_objects_v2: paginator pages, ContinuationToken by hand, delimiter', () => {
    const s = stepOk('list_objects_v2: paginator PageSize 10 over 25 keys, ContinuationToken by hand, delimiter');
    assert.equal(s.pages, 3);
    assert.deepEqual(s.keys, pageKeys);
    assert.deepEqual(s.by_hand, pageKeys);
    assert.deepEqual(s.truncated, [true, true, true, false]);
    assert.deepEqual(s.prefixes, ['dir/', 'page/']);
    assert.deepEqual(s.top_keys, ['big.bin']);
    assert.ok(seen.some((q) => q.url.includes('list-type=2') && q.url.includes('continuation-token=')));
  });

  await t.test('delete_objects: Content-MD5 (the checksum S3 required then), deleted keys, quiet answer', () => {
    const s = stepOk('delete_objects of three keys (one missing), Quiet and not');
    assert.deepEqual(s.deleted, ['never-there', 'page/000', 'page/001']);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(s.quiet_deleted, []);
    assert.deepEqual(s.left, pageKeys.slice(3, 10));
    const posts = requestsTo(seen, 'POST', `/${bucket}`).filter((q) => q.url.includes('delete'));
    assert.equal(posts.length, 2);
    for (const q of posts) {
      assert.equal(q.status, 200);
      assert.match(String(q.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/);
    }
  });

  await t.test('generate_presigned_url GET (default SigV2 and s3v4) fetched with urllib; an expired SigV2 URL is AccessDenied', () => {
    const s = stepOk('generate_presigned_url GET (default and s3v4), fetched with urllib; expired');
    const d = s.default as { url: string; status: number; same: boolean };
    const v4 = s.v4 as { url: string; status: number; same: boolean };
    assert.match(d.url, /[?&]AWSAccessKeyId=/, 'botocore 1.29 presigns S3 with SigV2 query auth unless told otherwise');
    assert.match(v4.url, /[?&]X-Amz-Signature=/);
    for (const x of [d, v4]) {
      assert.equal(x.status, 200, x.url);
      assert.equal(x.same, true);
    }
    assert.deepEqual(s.expired, { status: 403, access_denied: true });
  });

  await t.test('smart_open: a 12 MiB stream written in 5 MiB parts, read back whole, by seeks and partial reads', () => {
    const s = stepOk('smart_open: write a 12 MiB stream in 1 MiB writes (min_part_size 5 MiB: multipart), read back');
    assert.equal(s.size, 12 * MiB + 4321);
    assert.match(String(s.etag), /-3"$/);
    assert.equal(s.same, true);
    assert.deepEqual(partsUploaded(seen, `/${bucket}/smart/stream.bin`), [1, 2, 3]);
    const p = stepOk('smart_open: seek and partial reads (from the start, the middle, relative, from the end)');
    assert.deepEqual(p, { step: p.step, ok: true, first: true, middle: true, relative: true, tail: true, eof: true, again: true, lines: ['one', 'zwölf', 'three'] });
    const ranged = requestsTo(seen, 'GET', `/${bucket}/smart/stream.bin`).filter((q) => q.headers.range !== undefined);
    assert.ok(ranged.some((q) => q.headers.range === `bytes=${5 * MiB + 17}-`), ranged.map((q) => q.headers.range).join(', '));
  });

  await t.test('django-storages S3Boto3Storage: save (a new name when taken), exists, size, open, url, listdir, delete', () => {
    const s = stepOk('django-storages S3Boto3Storage: save, exists, size, open, url, listdir, modified time, delete');
    assert.equal(s.name, 'avatars/photo ü.txt');
    assert.equal(s.second_differs, true, 'AWS_S3_FILE_OVERWRITE=False: get_available_name saw the key exist');
    assert.equal(s.exists, true);
    assert.equal(s.size, 2500);
    assert.equal(s.same, true);
    assert.match(String(s.url), /^http:\/\/127\.0\.0\.1:\d+\/deb-media\/media\/avatars\/photo%20%C3%BC\.txt\?.*X-Amz-Signature=/);
    assert.equal(s.url_status, 200);
    assert.equal(s.url_same, true);
    assert.deepEqual(s.dirs, ['thumbs']);
    assert.equal((s.files as string[]).length, 2);
    assert.ok((s.files as string[]).includes('photo ü.txt'));
    assert.equal(s.aware, true);
    assert.equal(s.type, 'text/plain');
    assert.equal(s.cache, 'max-age=86400');
    assert.equal(s.missing_open, 'FileNotFoundError');
    assert.equal(s.gone, true);
    assert.equal((s.after as string[]).length, 1);
    assert.ok(requestsTo(seen, 'DELETE', `/${media}/media/avatars/photo%20%C3%BC.txt`).some((q) => q.status === 204));
  });

  await t.test('django-storages S3Boto3Storage: open("wb") streams by UploadPart from its 5 MiB buffer', () => {
    const s = stepOk('django-storages S3Boto3Storage: open(name, "wb") writes 6 MiB in 1 MiB writes (multipart, 5 MiB buffer), read back');
    assert.equal(s.size, 6 * MiB + 99);
    assert.match(String(s.etag), /-2"$/);
    assert.equal(s.same, true);
    assert.deepEqual(partsUploaded(seen, `/${media}/media/uploads/big.bin`), [1, 2]);
  });

  await t.test('the old wire style throughout: no flexible checksums, no aws-chunked bodies, every request answered < 500', () => {
    for (const q of seen) {
      const names = Object.keys(q.headers);
      assert.ok(!names.some((h) => h.startsWith('x-amz-checksum-') || h === 'x-amz-sdk-checksum-algorithm' || h === 'x-amz-trailer'), `${q.method} ${q.url}: ${names.join(' ')}`);
      assert.notEqual(q.headers['content-encoding'], 'aws-chunked');
      assert.doesNotMatch(String(q.headers['x-amz-content-sha256'] ?? ''), /^STREAMING-/);
      assert.ok((q.status ?? 0) < 500, `${q.method} ${q.url} → ${q.status}`);
    }
    const bodies = seen.filter((q) => q.method === 'PUT' && q.headers['x-amz-copy-source'] === undefined && Number(q.headers['content-length'] ?? 0) > 0 && !q.url.includes('X-Amz-Signature') && !/^\/[^/]+\/?$/.test(q.url.split('?')[0]!));
    assert.ok(bodies.length > 30);
    assert.ok(bodies.every((q) => typeof q.headers['content-md5'] === 'string'), 'every PutObject and UploadPart carries Content-MD5');
  });
}

test('Debian python3-boto3 1.26, python3-smart-open 5.2, python3-django-storages 1.13 (S3Boto3Storage); SigV4 by awscrt when importable', async (t) => {
  const py = await findStack();
  if (!py) {
    t.skip(SKIP);
    return;
  }
  t.diagnostic(`${py.path}: ${py.version}`);
  await flow(t, py, true);
});

test('the same with awscrt hidden: botocore 1.29\'s own SigV4 signer', async (t) => {
  const py = await findStack();
  if (!py) {
    t.skip(SKIP);
    return;
  }
  await flow(t, py, false);
});
