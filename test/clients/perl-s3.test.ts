/**
 * Perl's Net::Amazon::S3 (Debian's libnet-amazon-s3-perl, 0.991), as old Perl programs use it,
 * against an in-process gateway (local backend, plain HTTP, path style): its legacy API
 * (add_bucket, add_key / add_key_filename, get_key / get_key_filename, head_key, list_bucket with
 * prefix / delimiter / marker / max_keys and list_bucket_all, copy_key, set_acl / get_acl,
 * query_string_authentication_uri, delete_multi_object, delete_key, delete_bucket) and its Client
 * API where only it has the call (multipart uploads, the listing iterator, presigned PUT).
 * test/clients/perl_s3_flow.pl prints one JSON line per step, asserted here, once with SigV2 (the
 * module's default for a host other than s3.amazonaws.com) and once with SigV4
 * (authorization_method Net::Amazon::S3::Signature::V4, use_virtual_host 0: V4 turns virtual
 * hosts on by default).
 *
 * Client bugs of 0.991, worked around in the flow the way that module's users do (the gateway is
 * not involved: these requests never leave the client or leave it wrong):
 * - Client::Object::put_part dies before sending ("Found unknown attribute(s) passed to the
 *   constructor: acl_short copy_source"; rustyconover/net-amazon-s3#123, open): the flow sends the
 *   same Upload::Part operation without those two arguments, as the workaround does.
 * - That operation's own copy source (copy_source_bucket / copy_source_key) never becomes an
 *   x-amz-copy-source header (the header attribute's non-lazy default reads them before they are
 *   set), so it would store an empty part: the flow puts the header in `headers`.
 * - Its SigV2 signer leaves ?tagging out of the resource it signs (it keeps only acl, torrent,
 *   location, uploads, delete; S3 signs tagging, as botocore's HmacV1Auth does): add_tags and
 *   delete_tags are SignatureDoesNotMatch under SigV2, here as on S3, and work under SigV4.
 * The gateway answered every request as S3 does; no gateway change came out of this client.
 *
 * Skips with a reason when the module is missing (.ci/run installs it:
 * apt-get install -y libnet-amazon-s3-perl).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, requestsTo, runOk, which, type Tool } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/perl_s3_flow.pl');
const MiB = 1024 * 1024;
const LIST = [...Array.from({ length: 10 }, (_, i) => `list/k${String(i).padStart(2, '0')}`), 'list/sub/x'];
const SKIP = 'perl with Net::Amazon::S3 missing (.ci/run installs it: apt-get install -y libnet-amazon-s3-perl)';

async function findModule(): Promise<Tool | undefined> {
  return locate(['/usr/bin/perl', ...(await which('perl'))], ['-MNet::Amazon::S3', '-e', 'print "Net::Amazon::S3 $Net::Amazon::S3::VERSION"'], /Net::Amazon::S3 \S+/);
}

async function flow(t: TestContext, perl: Tool, signature: 'V2' | 'V4'): Promise<void> {
  const { gw, watch, dir } = await clientRig(t, `clients-perl-s3-${signature}`);
  const bucket = `perl-s3-${signature.toLowerCase()}`;
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, bucket, signature, workdir: dir.path }));
  const r = await runOk(perl.path, [SCRIPT, params], { env: clientEnv(dir.path), timeoutMs: 60_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const v4 = signature === 'V4';

  await t.test('add_bucket, again (BucketAlreadyOwnedByYou in $s3->err), buckets; the signature sent', () => {
    const s = stepOk('add_bucket, again (error code), buckets');
    assert.equal(s.again, 'BucketAlreadyOwnedByYou');
    assert.equal(s.listed, true);
    const auth = requestsTo(seen, 'PUT', `/${bucket}/`)[0]?.headers.authorization;
    assert.match(String(auth), v4 ? /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/s3\/aws4_request,/ : /^AWS [^:]+:[A-Za-z0-9+/]+=*$/);
  });

  await t.test('add_key with type and metadata, head_key, get_key byte-exact, a ranged get_key, a missing key', () => {
    const s = stepOk('add_key with type and metadata, head_key, get_key, ranged get_key, a missing key');
    assert.equal(s.etag, s.md5, 'get_key gives the ETag without its quotes');
    assert.equal(s.length, 3000);
    assert.equal(s.type, 'application/x-test');
    assert.equal(s.meta, 'blue');
    assert.equal(s.same, true);
    assert.equal(s.range_same, true);
    assert.equal(s.missing, null, 'get_key of a missing key is false');
    assert.equal(requestsTo(seen, 'PUT', `/${bucket}/dir/small%20%C3%A9%2Bx.bin`)[0]?.status, 200);
    assert.equal(requestsTo(seen, 'GET', `/${bucket}/dir/small%20%C3%A9%2Bx.bin`).find((q) => q.headers.range !== undefined)?.status, 206);
    assert.equal(requestsTo(seen, 'GET', `/${bucket}/nope`)[0]?.status, 404);
  });

  await t.test('add_key_filename with Content-MD5, get_key_filename; a wrong Content-MD5 is BadDigest and stores nothing', () => {
    const s = stepOk('add_key_filename with Content-MD5, get_key_filename; a wrong Content-MD5 (BadDigest)');
    assert.equal(s.same, true);
    assert.equal(s.bad, 'BadDigest');
    assert.equal(s.bad_stored, false);
    assert.match(String(requestsTo(seen, 'PUT', `/${bucket}/file.bin`)[0]?.headers['content-md5']), /^[A-Za-z0-9+/]{22}==$/);
    assert.deepEqual(requestsTo(seen, 'PUT', `/${bucket}/bad-digest.bin`).map((q) => q.status), [400]);
  });

  await t.test('list_bucket with prefix and delimiter, max_keys 3 paged by marker, list_bucket_all, the Client list iterator', () => {
    const s = stepOk('list_bucket with prefix and delimiter, max_keys pages by marker, list_bucket_all, Client list iterator');
    assert.deepEqual(s.prefixes, ['list/sub'], 'the module strips the delimiter from each CommonPrefixes/Prefix');
    assert.equal(s.direct, 10);
    assert.equal(s.size, 1);
    assert.equal(s.pages, 4);
    assert.deepEqual(s.keys, LIST);
    assert.deepEqual(s.all, LIST);
    assert.deepEqual(s.streamed, LIST);
    assert.deepEqual(s.after_marker, ['list/k08', 'list/k09', 'list/sub/x']);
    assert.ok(requestsTo(seen, 'GET', `/${bucket}/`).some((q) => /[?&]marker=list%2Fk05(&|$)/.test(q.url) && /[?&]max-keys=3(&|$)/.test(q.url)), 'a page asked for by marker');
  });

  await t.test('multipart (Client API): parts, a part copied by x-amz-copy-source, complete; abort, then NoSuchUpload', () => {
    const s = stepOk('Client multipart: initiate_multipart_upload, put_part, put_part with copy_source, put_part, complete_multipart_upload');
    if (!s.put_part_works) t.diagnostic('Client::Object::put_part is broken in this version (rustyconover/net-amazon-s3#123): parts went through its Upload::Part operation');
    assert.deepEqual(s.statuses, [200, 200, 200, 200]);
    assert.deepEqual(s.etags, (s.md5s as string[]).map((m) => `"${m}"`), 'each part answers its MD5, the copied one in CopyPartResult');
    assert.match(String(s.etag), /^"[0-9a-f]{32}-3"$/);
    assert.equal(s.meta, 'multi');
    assert.equal(s.size, 10 * MiB + 1234);
    assert.equal(s.same, true);
    assert.deepEqual(partsUploaded(seen, `/${bucket}/mp.bin`), [1, 2, 3]);
    const copy = requestsTo(seen, 'PUT', `/${bucket}/mp.bin`).find((q) => q.url.includes('partNumber=2'));
    assert.equal(copy?.headers['x-amz-copy-source'], `${bucket}/five.bin`);
    const a = stepOk('Client multipart: abort_multipart_upload; a part to the aborted upload (NoSuchUpload)');
    assert.deepEqual([a.part, a.abort, a.after, a.key], [200, 204, 'NoSuchUpload', false]);
  });

  await t.test('copy_key keeps metadata; with new metadata it sends REPLACE; a missing source is NoSuchKey', () => {
    const s = stepOk('copy_key keeping metadata, copy_key with new metadata (REPLACE), copy_key of a missing key');
    assert.equal(s.kept_same, true);
    assert.equal(s.new_meta, 'new');
    assert.equal(s.new_color, null, 'REPLACE drops the source metadata');
    assert.equal(s.new_same, true);
    assert.equal(s.missing, 'NoSuchKey');
    assert.equal(requestsTo(seen, 'PUT', `/${bucket}/copy-new.bin`)[0]?.headers['x-amz-metadata-directive'], 'REPLACE');
  });

  await t.test('set_acl public-read on a key and the bucket, get_acl grants, anonymous GET, back to private', () => {
    const s = stepOk('set_acl public-read on a key and the bucket, get_acl, anonymous GET; set_acl private');
    const [owner] = s.before as string[];
    assert.match(String(owner), /^[0-9a-f]{64}:FULL_CONTROL$/);
    const publicRead = [owner, 'http://acs.amazonaws.com/groups/global/AllUsers:READ'];
    assert.deepEqual(s.key, publicRead);
    assert.deepEqual(s.bucket, publicRead);
    assert.equal(s.anon_status, 200);
    assert.equal(s.anon_same, true);
    assert.equal(s.anon_after, 403);
  });

  await t.test('query_string_authentication_uri: presigned PUT and GETs fetched with LWP, an expired URL', () => {
    const s = stepOk('query_string_authentication_uri: GET (legacy and Client), PUT (Client), expired');
    assert.match(String(s.put_uri), v4 ? /[?&]X-Amz-Signature=[0-9a-f]{64}/ : /[?&]AWSAccessKeyId=.+&Expires=\d+&Signature=/);
    assert.equal(s.put_status, 200);
    assert.equal(s.get_status, 200);
    assert.equal(s.same, true);
    assert.equal(s.client_get_status, 200);
    // SigV2: S3's AccessDenied 'Request has expired'; SigV4 (X-Amz-Expires negative): malformed.
    assert.deepEqual([s.expired_status, s.expired_code], v4 ? [400, 'AuthorizationQueryParametersError'] : [403, 'AccessDenied']);
    const put = requestsTo(seen, 'PUT', `/${bucket}/presigned%20%C3%BC.txt`)[0];
    assert.equal(put?.status, 200);
    assert.equal(put?.headers.authorization, undefined);
  });

  await t.test('add_tags / delete_tags on a key and the bucket (SigV4; SigV2 signs without ?tagging); get_location_constraint', () => {
    const s = stepOk('add_tags and delete_tags on a key and on the bucket; get_location_constraint');
    const outcome = v4 ? 'ok' : 'SignatureDoesNotMatch';
    assert.deepEqual([s.key_add, s.bucket_add, s.key_delete, s.bucket_delete], [outcome, outcome, outcome, outcome]);
    const tagging = seen.filter((q) => q.url.endsWith('?tagging')).map((q) => `${q.method} ${q.url} ${q.status}`);
    const [put, del] = v4 ? [200, 204] : [403, 403];
    assert.deepEqual(tagging, [`PUT /${bucket}/file.bin?tagging ${put}`, `PUT /${bucket}/?tagging ${put === 200 ? 204 : 403}`, `DELETE /${bucket}/file.bin?tagging ${del}`, `DELETE /${bucket}/?tagging ${del}`]);
    assert.equal(s.location, 'us-east-1', 'the empty LocationConstraint of us-east-1, as the module names it');
  });

  await t.test('delete_multi_object, delete_key; a wrong secret is SignatureDoesNotMatch; delete_bucket', () => {
    assert.deepEqual(stepOk('delete_multi_object of three keys (one missing), delete_key').left, LIST.slice(3, 10));
    assert.ok(requestsTo(seen, 'POST', `/${bucket}/`).some((q) => q.url.endsWith('?delete') && q.status === 200));
    assert.equal(stepOk('a wrong secret key: SignatureDoesNotMatch').error, 'SignatureDoesNotMatch');
    const b = stepOk('delete_bucket: not empty (error code), emptied, deleted');
    assert.equal(b.full, 'BucketNotEmpty');
    assert.equal(b.gone, true);
  });
}

test('Perl Net::Amazon::S3: SigV2 (its default for a non-AWS host), path style, plain HTTP', async (t) => {
  const perl = await findModule();
  if (!perl) {
    t.skip(SKIP);
    return;
  }
  t.diagnostic(`${perl.path}: ${perl.version}`);
  await flow(t, perl, 'V2');
});

test('Perl Net::Amazon::S3: SigV4 (authorization_method Signature::V4, use_virtual_host 0), path style, plain HTTP', async (t) => {
  const perl = await findModule();
  if (!perl) {
    t.skip(SKIP);
    return;
  }
  await flow(t, perl, 'V4');
});
