/**
 * The aws CLI session both CLI generations go through (issue #4 tests, issue #5 "Real clients"):
 * `s3 mb`, `s3 cp` of a 20 MiB file up and down (multipart both ways, proved by the requests the
 * gateway saw and by the `-N` ETag), `s3 sync` of a 50-file tree both ways with a second sync that
 * transfers nothing, `s3 presign` fetched with undici, the `s3api` versioning calls
 * (put-bucket-versioning, put-object twice, list-object-versions, get-object --version-id,
 * delete-object → delete marker), then `s3 rm --recursive` and `s3 rb --force`.
 *
 * Independent groups run concurrently (python start-up dominates: ~1 s per CLI call on an idle
 * 2-core box, several seconds when it is loaded). Outcomes are checked with @aws-sdk/client-s3.
 */
import assert from 'node:assert/strict';
import { Agent as HttpsAgent } from 'node:https';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, HeadBucketCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Agent, request } from 'undici';
import { clientEnv, makeTree, partsUploaded, pseudoRandom, readTree, runOk, sha256, tempDir, treeDigest, type RunResult, type SeenRequest, type Tool } from './harness.js';

/** Where and as whom the CLI talks. */
export interface AwsTarget {
  url: string;
  accessKey: string;
  secretKey: string;
  /** PEM of the gateway's self-signed certificate when `url` is https. */
  ca?: string;
  /** Requests the gateway received (in-process gateways only). */
  seen?: SeenRequest[];
}

const MiB = 1024 * 1024;
const BIG = 20 * MiB;
/** Part size set in the CLI config: 20 MiB → 3 parts up, 3 ranged GETs down. */
const PART = 8 * MiB;

/** Drive `tool` through the whole session against `target`; one subtest per operation group. */
export async function awsCliSession(t: TestContext, tool: Tool, target: AwsTarget, tag: string): Promise<void> {
  const dir = await tempDir(`clients-${tag}`);
  t.after(() => dir.remove());
  const env = await awsCliEnv(join(dir.path, 'home'), target);
  const aws = (...args: string[]): Promise<RunResult> => runOk(tool.path, ['--endpoint-url', target.url, ...args], { env, cwd: dir.path });

  const httpsAgent = target.ca ? new HttpsAgent({ ca: target.ca }) : undefined;
  const s3 = new S3Client({
    endpoint: target.url, region: 'us-east-1', forcePathStyle: true,
    credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
    ...(httpsAgent ? { requestHandler: { httpsAgent } } : {}),
  });
  t.after(() => { s3.destroy(); httpsAgent?.destroy(); });
  const data = `${tag}-data`;
  const ver = `${tag}-ver`;

  await t.test('s3 mb', async () => {
    await aws('s3', 'mb', `s3://${data}`);
    await s3.send(new HeadBucketCommand({ Bucket: data }));
  });

  await Promise.all([
    t.test('s3 cp 20 MiB up and down (multipart both ways); s3 presign fetched with undici', () => bigFile(aws, s3, target, data, dir.path)),
    t.test('s3 sync a 50-file tree up and down; a second sync transfers nothing', () => treeSync(aws, s3, target, data, dir.path)),
    t.test('s3api: versioning, two put-object, list-object-versions, get-object --version-id, delete-object (marker)', () => versioning(aws, s3, ver, dir.path)),
  ]);

  await t.test('s3 rm --recursive, then s3 rb --force', async () => {
    await aws('s3', 'rm', `s3://${data}/tree`, '--recursive', '--only-show-errors');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: data }));
    assert.deepEqual(left.Contents?.map((o) => o.Key), ['big.bin'], 'rm --recursive removed the tree, kept big.bin');
    // rb --force empties the bucket (big.bin is still there) and deletes it.
    await aws('s3', 'rb', `s3://${data}`, '--force');
    await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: data })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 404);
  });
}

type Aws = (...args: string[]) => Promise<RunResult>;

/**
 * A private HOME for the aws CLI talking to `target` (config: us-east-1, JSON output, path-style,
 * 8 MiB multipart threshold and part size; the target's keys; its CA when https) and the clean
 * environment that points the CLI at it.
 */
export async function awsCliEnv(home: string, target: AwsTarget): Promise<NodeJS.ProcessEnv> {
  await writeCliConfig(home, target);
  return clientEnv(home, {
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...(target.ca ? { AWS_CA_BUNDLE: join(home, 'ca.pem') } : {}),
  });
}

async function writeCliConfig(home: string, target: AwsTarget): Promise<void> {
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'config'), [
    '[default]',
    'region = us-east-1',
    'output = json',
    's3 =',
    '    addressing_style = path',
    `    multipart_threshold = ${PART / MiB}MB`,
    `    multipart_chunksize = ${PART / MiB}MB`,
    '',
  ].join('\n'));
  await writeFile(join(home, '.aws', 'credentials'), `[default]\naws_access_key_id = ${target.accessKey}\naws_secret_access_key = ${target.secretKey}\n`);
  if (target.ca) await writeFile(join(home, 'ca.pem'), target.ca);
}

/** Requests seen for `path` (exact path, query ignored) with `method`. */
function seenFor(target: AwsTarget, method: string, path: string): SeenRequest[] {
  return (target.seen ?? []).filter((r) => r.method === method && r.url.split('?')[0] === path);
}

async function bigFile(aws: Aws, s3: S3Client, target: AwsTarget, bucket: string, dir: string): Promise<void> {
  const body = pseudoRandom(BIG, 'aws-big');
  await writeFile(join(dir, 'big.bin'), body);
  await aws('s3', 'cp', 'big.bin', `s3://${bucket}/big.bin`, '--only-show-errors');
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
  assert.equal(head.ContentLength, BIG);
  assert.match(head.ETag ?? '', /-3"$/, 'uploaded in 3 parts (multipart ETag)');
  if (target.seen) {
    assert.deepEqual(partsUploaded(target.seen, `/${bucket}/big.bin`), [1, 2, 3], 'three UploadPart requests answered 200');
  }

  await aws('s3', 'cp', `s3://${bucket}/big.bin`, 'big.out', '--only-show-errors');
  assert.equal(sha256(await readFile(join(dir, 'big.out'))), sha256(body), 'downloaded bytes equal the uploaded ones');
  if (target.seen) {
    const ranged = seenFor(target, 'GET', `/${bucket}/big.bin`).filter((r) => r.headers.range !== undefined);
    assert.ok(ranged.length >= 3, `download went multipart (ranged GETs: ${ranged.map((r) => r.headers.range).join(' ')})`);
  }

  const url = (await aws('s3', 'presign', `s3://${bucket}/big.bin`, '--expires-in', '600')).stdout.trim();
  assert.match(url, /^https?:\/\//);
  const dispatcher = target.ca ? new Agent({ connect: { ca: target.ca } }) : undefined;
  try {
    const res = await request(url, dispatcher ? { dispatcher } : {});
    const got = Buffer.from(await res.body.arrayBuffer());
    assert.equal(res.statusCode, 200, got.toString().slice(0, 500));
    assert.equal(sha256(got), sha256(body), 'presigned GET returns the object');
  } finally {
    await dispatcher?.close();
  }
}

async function treeSync(aws: Aws, s3: S3Client, target: AwsTarget, bucket: string, dir: string): Promise<void> {
  const tree = await makeTree(join(dir, 'tree'), 'aws-tree');
  await aws('s3', 'sync', 'tree', `s3://${bucket}/tree`, '--only-show-errors');
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'tree/' }));
  assert.deepEqual((listed.Contents ?? []).map((o) => o.Key).sort(), [...tree.keys()].map((k) => `tree/${k}`).sort());

  const putsBefore = (target.seen ?? []).filter((r) => r.method === 'PUT' && r.url.startsWith(`/${bucket}/tree/`)).length;
  const again = await aws('s3', 'sync', 'tree', `s3://${bucket}/tree`);
  assert.equal(again.stdout.trim(), '', 'second upload sync transfers nothing');
  if (target.seen) {
    assert.equal(target.seen.filter((r) => r.method === 'PUT' && r.url.startsWith(`/${bucket}/tree/`)).length, putsBefore, 'no PUT during the second sync');
  }

  await aws('s3', 'sync', `s3://${bucket}/tree`, 'down', '--only-show-errors');
  assert.deepEqual(treeDigest(await readTree(join(dir, 'down'))), treeDigest(tree), 'downloaded tree equals the uploaded one');
  const againDown = await aws('s3', 'sync', `s3://${bucket}/tree`, 'down');
  assert.equal(againDown.stdout.trim(), '', 'second download sync transfers nothing');
}

interface VersionsOut {
  Versions?: { VersionId: string; IsLatest: boolean; Size: number }[];
  DeleteMarkers?: { VersionId: string; IsLatest: boolean }[];
}

async function versioning(aws: Aws, s3: S3Client, bucket: string, dir: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await aws('s3api', 'put-bucket-versioning', '--bucket', bucket, '--versioning-configuration', 'Status=Enabled');
  await writeFile(join(dir, 'v1.txt'), 'first version\n');
  await writeFile(join(dir, 'v2.txt'), 'second, longer version\n');
  const put1 = JSON.parse((await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', 'v1.txt')).stdout) as { VersionId?: string };
  const put2 = JSON.parse((await aws('s3api', 'put-object', '--bucket', bucket, '--key', 'doc.txt', '--body', 'v2.txt')).stdout) as { VersionId?: string };
  assert.ok(put1.VersionId && put2.VersionId && put1.VersionId !== put2.VersionId, `two version ids: ${put1.VersionId} ${put2.VersionId}`);

  const listed = JSON.parse((await aws('s3api', 'list-object-versions', '--bucket', bucket)).stdout) as VersionsOut;
  assert.deepEqual(listed.Versions?.map((v) => [v.VersionId, v.IsLatest, v.Size]), [[put2.VersionId, true, 23], [put1.VersionId, false, 14]]);

  const got = JSON.parse((await aws('s3api', 'get-object', '--bucket', bucket, '--key', 'doc.txt', '--version-id', put1.VersionId, 'old.txt')).stdout) as { VersionId?: string };
  assert.equal(got.VersionId, put1.VersionId);
  assert.equal(await readFile(join(dir, 'old.txt'), 'utf8'), 'first version\n');

  const del = JSON.parse((await aws('s3api', 'delete-object', '--bucket', bucket, '--key', 'doc.txt')).stdout) as { DeleteMarker?: boolean; VersionId?: string };
  assert.equal(del.DeleteMarker, true);
  assert.ok(del.VersionId, 'the marker has a version id');
  const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  assert.deepEqual(after.DeleteMarkers?.map((m) => [m.VersionId, m.IsLatest]), [[del.VersionId, true]]);
  assert.equal(after.Versions?.length, 2, 'both versions survive the marker');
}
