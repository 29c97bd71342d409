/**
 * The aws CLI beyond aws-flow.ts's session (issue #4, real clients), both generations against one
 * in-process gateway on the local backend over HTTPS (so the v1 line's botocore sends its uploads
 * aws-chunked with a CRC32 trailer, as it does against any TLS endpoint):
 *
 * - v1: `s3 cp -` from stdin (size unknown → multipart, aws-chunked parts); s3api multipart with
 *   `--checksum-algorithm SHA256` (create, upload-part, list-parts, complete with the checksums),
 *   get-object-attributes with ObjectParts, head-object `--part-number`, get-object `--range`, abort.
 * - v2: `s3 cp s3://… s3://…` of 9 MiB (UploadPartCopy with ranges, properties copied) and of a
 *   small object with `--metadata-directive REPLACE` and the header options, `s3 mv` of a key with
 *   a leading `/`; a tree of awkward names through `sync`, `ls --recursive --human-readable
 *   --summarize --page-size`, `sync --size-only --delete`, `sync --exact-timestamps` (`rm
 *   --recursive` is in aws-flow); s3api list-object-versions `--max-items`/`--starting-token`,
 *   list-objects-v2 `--start-after` `--encoding-type url`, put-object-tagging, delete-objects of
 *   1,000 keys from a JSON file, lifecycle and CORS round trips, get-bucket-policy-status.
 *
 * Each group skips with its reason when its CLI is not installed. Outcomes are checked with
 * @aws-sdk/client-s3 and the requests the gateway saw. The four groups run at once (27 CLI calls;
 * python start-up, ~0.6 s of CPU per call, dominates: set-up and checks go through the SDK).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import {
  CreateBucketCommand, CreateMultipartUploadCommand, GetBucketCorsCommand, GetObjectAclCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectVersionsCommand, ListObjectsV2Command, PutBucketPolicyCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { startGateway } from '../helpers/gateway.js';
import { awsCliEnv } from './aws-flow.js';
import { findAwsV1, findAwsV2, makeTree, partsUploaded, pseudoRandom, readTree, runOk, sha256, tempDir, treeDigest, watchRequests, type RunResult, type SeenRequest, type Tool } from './harness.js';

const MiB = 1024 * 1024;
/** Past the 8 MiB multipart threshold and part size of the CLI config: two parts (8 MiB + 1 MiB). */
const BIG = 9 * MiB;

type Cli = (...args: string[]) => Promise<RunResult>;
type CliIn = (input: Buffer, ...args: string[]) => Promise<RunResult>;

const json = <T>(r: RunResult): T => JSON.parse(r.stdout) as T;
const b64 = (alg: string, ...parts: Buffer[]): string => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest('base64');
};

test('aws CLI v1 and v2 beyond the basic session: stdin, copies, options, odd keys, sync modes, s3api', { concurrency: 4 }, async (t) => {
  const [v1, v2] = await Promise.all([findAwsV1(), findAwsV2()]);
  if (!v1 && !v2) {
    t.skip('no aws CLI installed (.ci/run installs the Debian awscli, v2; the machine image carries v1 in pyenv)');
    return;
  }
  for (const tool of [v1, v2]) if (tool) t.diagnostic(`${tool.path}: ${tool.version}`);

  const fixtures = join(process.cwd(), 'test/fixtures/http');
  const ca = readFileSync(join(fixtures, 'test-cert.pem'), 'utf8');
  const gw = await startGateway({ backend: 'local', http: { https: { cert: ca, key: readFileSync(join(fixtures, 'test-key.pem')) } } });
  t.after(() => gw.close());
  const watch = watchRequests(gw.app.server);
  t.after(() => watch.stop());
  const target = { url: gw.url, accessKey: gw.accessKey, secretKey: gw.secretKey, ca, seen: watch.seen };

  const dir = await tempDir('clients-extra');
  t.after(() => dir.remove());
  const env = await awsCliEnv(join(dir.path, 'home'), target);
  const cliOf = (tool: Tool): CliIn => (input, ...args) => runOk(tool.path, ['--endpoint-url', gw.url, ...args], { env, cwd: dir.path, ...(input.length ? { input } : {}) });

  const httpsAgent = new HttpsAgent({ ca });
  const s3 = new S3Client({ ...gw.clientConfig(), requestHandler: { httpsAgent } });
  t.after(() => { s3.destroy(); httpsAgent.destroy(); });

  const group = (name: string, tool: Tool | undefined, which: string, body: (cli: Cli, cliIn: CliIn) => Promise<void>): Promise<void> =>
    t.test(name, async (st: TestContext) => {
      if (!tool) {
        st.skip(`aws CLI ${which} not installed`);
        return;
      }
      const cliIn = cliOf(tool);
      await body((...args) => cliIn(Buffer.alloc(0), ...args), cliIn);
    });

  await Promise.all([
    group('v1: s3 cp - from stdin (multipart, aws-chunked); s3api multipart with SHA256 checksums, attributes, part HEAD, range GET, abort', v1, 'v1',
      (cli, cliIn) => v1Stdin(cliIn, s3, watch.seen).then(() => v1Multipart(cli, s3, dir.path))),
    group('v2: s3 cp between buckets (9 MiB UploadPartCopy, small with REPLACE and header options), s3 mv of a leading-slash key', v2, 'v2',
      (cli) => v2Copies(cli, s3, watch.seen)),
    group('v2: tree of awkward names: sync, ls --recursive --human-readable --summarize --page-size, sync --size-only --delete, --exact-timestamps', v2, 'v2',
      (cli) => v2Tree(cli, s3, watch.seen, dir.path)),
    group('v2: s3api list-object-versions pages, list-objects-v2 --start-after --encoding-type, tagging, delete-objects x1000, lifecycle, cors, policy status', v2, 'v2',
      (cli) => v2Api(cli, s3, dir.path)),
  ]);
});

async function v1Stdin(cliIn: CliIn, s3: S3Client, seen: SeenRequest[]): Promise<void> {
  const bucket = 'extra-stdin';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = pseudoRandom(BIG, 'extra-stdin');
  await cliIn(body, 's3', 'cp', '-', `s3://${bucket}/from stdin.bin`, '--metadata', 'origin=stdin', '--content-type', 'application/x-test', '--only-show-errors');
  const path = `/${bucket}/from%20stdin.bin`;
  assert.deepEqual(partsUploaded(seen, path), [1, 2], 'a stream of unknown size went up in two parts');
  const parts = seen.filter((r) => r.method === 'PUT' && r.url.startsWith(`${path}?`));
  assert.ok(parts.every((r) => r.headers['content-encoding'] === 'aws-chunked' && r.headers['x-amz-trailer'] === 'x-amz-checksum-crc32'), 'parts came aws-chunked with a CRC32 trailer');
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'from stdin.bin' }));
  assert.equal(head.ContentLength, BIG);
  assert.match(head.ETag ?? '', /-2"$/);
  assert.deepEqual([head.ContentType, head.Metadata], ['application/x-test', { origin: 'stdin' }]);
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'from stdin.bin' }));
  assert.equal(sha256(Buffer.from(await got.Body!.transformToByteArray())), sha256(body));
}

interface PartOut { ETag: string; ChecksumSHA256?: string }
interface ListPartsOut { ChecksumAlgorithm?: string; Parts: { PartNumber: number; Size: number; ChecksumSHA256?: string }[] }

async function v1Multipart(cli: Cli, s3: S3Client, dir: string): Promise<void> {
  const bucket = 'extra-mp';
  const key = 'mp key+ü.bin';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const p1 = pseudoRandom(5 * MiB, 'extra-mp-1');
  const p2 = pseudoRandom(1000, 'extra-mp-2');
  await writeFile(join(dir, 'mp-1'), p1);
  await writeFile(join(dir, 'mp-2'), p2);
  const api = (...args: string[]): Promise<RunResult> => cli('s3api', ...args, '--bucket', bucket, '--output', 'json');

  const [created, other] = await Promise.all([
    api('create-multipart-upload', '--key', key, '--checksum-algorithm', 'SHA256'),
    s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'to abort' })),
  ]);
  const uploadId = json<{ UploadId: string }>(created).UploadId;
  const abortId = other.UploadId!;
  const [r1, r2] = await Promise.all([1, 2].map((n) =>
    api('upload-part', '--key', key, '--upload-id', uploadId, '--part-number', String(n), '--body', `mp-${n}`, '--checksum-algorithm', 'SHA256').then(json<PartOut>)));
  assert.deepEqual([r1!.ChecksumSHA256, r2!.ChecksumSHA256], [b64('sha256', p1), b64('sha256', p2)], 'each part answered its SHA-256');

  // AbortMultipartUpload beside the other upload's listing; afterwards only the first is in progress.
  const [listed] = await Promise.all([
    api('list-parts', '--key', key, '--upload-id', uploadId).then(json<ListPartsOut>),
    api('abort-multipart-upload', '--key', 'to abort', '--upload-id', abortId),
  ]);
  assert.equal(listed.ChecksumAlgorithm, 'SHA256');
  assert.deepEqual(listed.Parts.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]), [[1, p1.length, r1!.ChecksumSHA256], [2, p2.length, r2!.ChecksumSHA256]]);
  const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  assert.deepEqual(uploads.Uploads?.map((u) => u.Key), [key], 'the aborted upload is gone');

  await writeFile(join(dir, 'mp-parts.json'), JSON.stringify({ Parts: [r1!, r2!].map((r, i) => ({ PartNumber: i + 1, ETag: r.ETag, ChecksumSHA256: r.ChecksumSHA256 })) }));
  const done = json<{ ETag: string; ChecksumSHA256?: string; ChecksumType?: string }>(
    await api('complete-multipart-upload', '--key', key, '--upload-id', uploadId, '--multipart-upload', 'file://mp-parts.json'));
  // The checksum of the part checksums, "-N" (AWS "Checking object integrity": composite checksums).
  const composite = `${b64('sha256', Buffer.from(r1!.ChecksumSHA256!, 'base64'), Buffer.from(r2!.ChecksumSHA256!, 'base64'))}-2`;
  assert.deepEqual([done.ChecksumSHA256, done.ChecksumType], [composite, 'COMPOSITE']);
  assert.match(done.ETag, /-2"$/);

  const whole = Buffer.concat([p1, p2]);
  const [attrs, partHead, ranged] = await Promise.all([
    api('get-object-attributes', '--key', key, '--object-attributes', 'ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'),
    api('head-object', '--key', key, '--part-number', '2', '--checksum-mode', 'ENABLED'),
    api('get-object', '--key', key, '--range', 'bytes=5242870-5242889', 'mp-range.out'),
  ]);
  const a = json<{ ETag: string; ObjectSize: number; StorageClass: string; Checksum: { ChecksumSHA256: string }; ObjectParts: { TotalPartsCount: number; Parts: { PartNumber: number; Size: number; ChecksumSHA256: string }[] } }>(attrs);
  assert.equal(`"${a.ETag}"`, done.ETag, 'attributes ETag is unquoted');
  assert.deepEqual([a.ObjectSize, a.StorageClass, a.ObjectParts.TotalPartsCount], [whole.length, 'STANDARD', 2]);
  assert.deepEqual(a.ObjectParts.Parts.map((p) => [p.PartNumber, p.Size, p.ChecksumSHA256]), [[1, p1.length, r1!.ChecksumSHA256], [2, p2.length, r2!.ChecksumSHA256]]);
  const h = json<{ ContentLength: number; PartsCount: number; ChecksumSHA256?: string }>(partHead);
  assert.deepEqual([h.ContentLength, h.PartsCount, h.ChecksumSHA256], [p2.length, 2, r2!.ChecksumSHA256], 'HEAD ?partNumber=2 describes part 2');
  assert.equal(json<{ ContentRange: string }>(ranged).ContentRange, `bytes 5242870-5242889/${whole.length}`);
  assert.deepEqual(await readFile(join(dir, 'mp-range.out')), whole.subarray(5242870, 5242890), 'the range crosses the part boundary');
}

async function v2Copies(cli: Cli, s3: S3Client, seen: SeenRequest[]): Promise<void> {
  const src = 'extra-src';
  const dst = 'extra-dst';
  await Promise.all([src, dst].map((Bucket) => s3.send(new CreateBucketCommand({ Bucket }))));
  const big = pseudoRandom(BIG, 'extra-copy');
  await Promise.all([
    s3.send(new PutObjectCommand({ Bucket: src, Key: 'big.bin', Body: big, ContentType: 'application/x-big', Metadata: { origin: 'sdk' }, Tagging: 'k=v' })),
    s3.send(new PutObjectCommand({ Bucket: src, Key: 'small.txt', Body: 'small object\n', ContentType: 'text/x-old', Metadata: { old: '1' } })),
  ]);

  await Promise.all([
    cli('s3', 'cp', `s3://${src}/big.bin`, `s3://${dst}/big copy.bin`, '--only-show-errors'),
    cli('s3', 'cp', `s3://${src}/small.txt`, `s3://${dst}/small.txt`, '--metadata-directive', 'REPLACE', '--metadata', 'new=2,Mixed=Case',
      '--content-type', 'text/plain', '--cache-control', 'max-age=60', '--expires', '2030-01-01T00:00:00Z', '--acl', 'public-read',
      '--storage-class', 'STANDARD_IA', '--only-show-errors'),
  ]);
  const copies = seen.filter((r) => r.method === 'PUT' && r.url.startsWith(`/${dst}/big%20copy.bin?`) && r.status === 200);
  assert.deepEqual(copies.map((r) => r.headers['x-amz-copy-source-range']).sort(),
    ['bytes=0-8388607', 'bytes=8388608-9437183'], 'two UploadPartCopy requests with ranges');
  const [bigHead, bigTags, bigBody, small, acl] = await Promise.all([
    s3.send(new HeadObjectCommand({ Bucket: dst, Key: 'big copy.bin' })),
    s3.send(new GetObjectTaggingCommand({ Bucket: dst, Key: 'big copy.bin' })),
    s3.send(new GetObjectCommand({ Bucket: dst, Key: 'big copy.bin' })).then(async (g) => Buffer.from(await g.Body!.transformToByteArray())),
    s3.send(new HeadObjectCommand({ Bucket: dst, Key: 'small.txt' })),
    s3.send(new GetObjectAclCommand({ Bucket: dst, Key: 'small.txt' })),
  ]);
  assert.equal(sha256(bigBody), sha256(big));
  assert.deepEqual([bigHead.ContentType, bigHead.Metadata, bigTags.TagSet], ['application/x-big', { origin: 'sdk' }, [{ Key: 'k', Value: 'v' }]],
    'the multipart copy carried the content type, metadata and tags over');
  assert.deepEqual([small.ContentType, small.Metadata, small.CacheControl, small.ExpiresString, small.StorageClass],
    ['text/plain', { new: '2', mixed: 'Case' }, 'max-age=60', 'Tue, 01 Jan 2030 00:00:00 GMT', 'STANDARD_IA']);
  assert.ok(acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'), '--acl public-read');

  // s3 mv of a key with a leading "/" (s3://bucket//key) to an awkward name.
  await s3.send(new PutObjectCommand({ Bucket: dst, Key: '/lead.txt', Body: 'leading slash\n' }));
  await cli('s3', 'mv', `s3://${dst}//lead.txt`, `s3://${dst}/moved/ü +%.txt`, '--only-show-errors');
  const left = await s3.send(new ListObjectsV2Command({ Bucket: dst }));
  assert.deepEqual(left.Contents?.map((o) => o.Key), ['big copy.bin', 'moved/ü +%.txt', 'small.txt']);
}

async function v2Tree(cli: Cli, s3: S3Client, seen: SeenRequest[], dir: string): Promise<void> {
  const bucket = 'extra-tree';
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const local = join(dir, 'tree');
  const tree = await makeTree(local, 'extra-tree', 10);
  await cli('s3', 'sync', 'tree', `s3://${bucket}/tree/`, '--only-show-errors');

  const listsBefore = seen.length;
  const ls = await cli('s3', 'ls', `s3://${bucket}/tree/`, '--recursive', '--human-readable', '--summarize', '--page-size', '4');
  for (const name of tree.keys()) assert.ok(ls.stdout.includes(` tree/${name}\n`), `ls shows tree/${name}`);
  assert.match(ls.stdout, /Total Objects: 10\n/);
  const pages = seen.slice(listsBefore).filter((r) => r.method === 'GET' && r.url.startsWith(`/${bucket}?`) && r.url.includes('max-keys=4'));
  assert.equal(pages.length, 3, '10 keys at --page-size 4: three ListObjectsV2 pages');

  // --size-only: a same-size change is not uploaded; --delete removes what is gone locally.
  const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'tree/plus+sign.txt' }));
  await writeFile(join(local, 'plus+sign.txt'), Buffer.alloc(tree.get('plus+sign.txt')!.length, 0x41));
  await rm(join(local, 'with space.txt'));
  const synced = await cli('s3', 'sync', 'tree', `s3://${bucket}/tree/`, '--size-only', '--delete');
  const said = synced.stdout.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l && !l.startsWith('Completed '));
  assert.deepEqual(said, [`delete: s3://${bucket}/tree/with space.txt`], 'only the delete: nothing uploaded');
  const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'tree/plus+sign.txt' }));
  assert.equal(after.ETag, before.ETag, 'same size: not uploaded');
  tree.delete('with space.txt');

  // Downloads get the objects' LastModified as mtime, so --exact-timestamps finds nothing to do.
  await cli('s3', 'sync', `s3://${bucket}/tree/`, 'tree-down', '--exact-timestamps', '--only-show-errors');
  assert.deepEqual(treeDigest(await readTree(join(dir, 'tree-down'))), treeDigest(tree));
  assert.equal((await cli('s3', 'sync', `s3://${bucket}/tree/`, 'tree-down', '--exact-timestamps')).stdout.trim(), '');
}

interface VersionsPage { Versions?: { Key: string; VersionId: string }[]; DeleteMarkers?: { Key: string; VersionId: string }[]; NextToken?: string }

async function v2Api(cli: Cli, s3: S3Client, dir: string): Promise<void> {
  const ver = 'extra-ver';
  const many = 'extra-many';
  await Promise.all([ver, many].map((Bucket) => s3.send(new CreateBucketCommand({ Bucket }))));
  await s3.send(new PutBucketVersioningCommand({ Bucket: ver, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const key of ['a', 'b+ü', 'c']) {
    for (const n of [1, 2]) await s3.send(new PutObjectCommand({ Bucket: ver, Key: key, Body: `${key}${n}` }));
  }
  await s3.send(new DeleteObjectCommand({ Bucket: ver, Key: 'c' }));
  // 1,000 keys (the most one DeleteObjects takes), every 50th stored: S3 answers <Deleted> for an
  // absent key too, and storing all would cost a thousand PUTs.
  const keys = Array.from({ length: 1000 }, (_, i) => `k/${String(i).padStart(4, '0')} +ü`);
  await Promise.all(keys.filter((_, i) => i % 50 === 0).map((Key) => s3.send(new PutObjectCommand({ Bucket: many, Key, Body: 'x' }))));
  await s3.send(new PutBucketPolicyCommand({
    Bucket: many,
    Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${many}/*` }] }),
  }));
  await writeFile(join(dir, 'del.json'), JSON.stringify({ Objects: keys.map((Key) => ({ Key })) }));
  const lifecycle = {
    Rules: [
      { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 30 } },
      { ID: 'tagged', Filter: { And: { Prefix: 'tmp/', Tags: [{ Key: 'a', Value: 'b' }, { Key: 'c', Value: 'd' }], ObjectSizeGreaterThan: 10 } }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 7, NewerNoncurrentVersions: 2 } },
      { ID: 'date', Filter: { Tag: { Key: 'x', Value: 'y' } }, Status: 'Disabled', Expiration: { Date: '2030-01-01T00:00:00.000Z' } },
      { ID: 'mpu', Filter: {}, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } },
    ],
  };
  const cors = { CORSRules: [{ ID: 'r1', AllowedOrigins: ['https://*.example.com'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 3000 }] };
  await writeFile(join(dir, 'lc.json'), JSON.stringify(lifecycle));
  await writeFile(join(dir, 'cors.json'), JSON.stringify(cors));
  const api = (...args: string[]): Promise<RunResult> => cli('s3api', ...args, '--output', 'json');

  const [page1, startAfter, , deleted, , , status] = await Promise.all([
    api('list-object-versions', '--bucket', ver, '--max-items', '3').then(json<VersionsPage>),
    api('list-objects-v2', '--bucket', ver, '--start-after', 'a', '--encoding-type', 'url').then(json<{ Contents: { Key: string }[] }>),
    api('put-object-tagging', '--bucket', ver, '--key', 'a', '--tagging', 'TagSet=[{Key=k 1,Value=v+1}]'),
    api('delete-objects', '--bucket', many, '--delete', 'file://del.json').then(json<{ Deleted?: { Key: string }[]; Errors?: unknown[] }>),
    api('put-bucket-lifecycle-configuration', '--bucket', many, '--lifecycle-configuration', 'file://lc.json'),
    api('put-bucket-cors', '--bucket', many, '--cors-configuration', 'file://cors.json'),
    api('get-bucket-policy-status', '--bucket', many).then(json<{ PolicyStatus: { IsPublic: boolean } }>),
  ]);

  // --max-items 3, then the rest from --starting-token: every version and marker once.
  assert.ok(page1.NextToken, 'a token for the rest');
  const page2 = json<VersionsPage>(await api('list-object-versions', '--bucket', ver, '--starting-token', page1.NextToken));
  const entries = (p: VersionsPage): string[] => [...(p.Versions ?? []), ...(p.DeleteMarkers ?? [])].map((v) => `${v.Key} ${v.VersionId}`);
  const all = await s3.send(new ListObjectVersionsCommand({ Bucket: ver }));
  assert.deepEqual([...entries(page1), ...entries(page2)].sort(), entries(all as VersionsPage).sort());
  assert.equal(entries(all as VersionsPage).length, 7);

  // The CLI leaves keys encoded when the caller asked for encoding-type=url itself.
  assert.deepEqual(startAfter.Contents.map((o) => o.Key), ['b%2B%C3%BC']);

  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: ver, Key: 'a' }))).TagSet, [{ Key: 'k 1', Value: 'v+1' }]);

  assert.equal(deleted.Deleted?.length, 1000);
  assert.equal(deleted.Errors, undefined);
  assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: many }))).KeyCount, 0);

  const [lc, cs] = await Promise.all([
    api('get-bucket-lifecycle-configuration', '--bucket', many).then(json<typeof lifecycle>),
    s3.send(new GetBucketCorsCommand({ Bucket: many })),
  ]);
  for (const r of lc.Rules) if (r.Expiration?.Date) r.Expiration.Date = new Date(r.Expiration.Date).toISOString();
  assert.deepEqual(lc.Rules, lifecycle.Rules);
  assert.deepEqual(cs.CORSRules, cors.CORSRules);
  assert.equal(status.PolicyStatus.IsPublic, true);
}
