/**
 * boto 2 (Debian's python3-boto, 2.49, run by Debian's /usr/bin/python3: pyenv's python does not
 * see dist-packages), as old Python applications still use it, against an in-process gateway
 * (local backend, plain HTTP, path style: S3Connection(host, port, is_secure=False,
 * calling_format=OrdinaryCallingFormat())). test/clients/boto2_flow.py prints one JSON line per
 * step, asserted here, once per signature version:
 *
 * - SigV2: boto 2's default for a host that is not amazonaws.com (boto/auth.py
 *   detect_potential_s3sigv4 keeps the 's3' capability, HmacAuthV1Handler, 'hmac-v1').
 * - SigV4: `[s3] use-sigv4 = True` in the file BOTO_CONFIG names. boto then takes the region from
 *   the host name and finds none in 127.0.0.1 (UnboundLocalError, boto/boto#3377); the flow names
 *   it with conn.auth_region_name, boto's own setting for that.
 *
 * Client bugs S3 refuses too, asserted as such rather than bent around in the gateway:
 * - SigV4 canonical headers are sorted as 'name:value' lines, so x-amz-copy-source-range goes
 *   before x-amz-copy-source ('-' < ':'): copy_part_from_key with a range is SignatureDoesNotMatch
 *   (boto/boto#3032, #3749, never merged). Without a range it works.
 * - SigV4 presigned URLs on a port other than 80/443 sign `host:127.0.0.1:PORT:PORT` (host_header()
 *   adds the port to server_name(), which has it): a client fetching the URL as given sends the
 *   Host without the second port. boto's own header-signed requests send the doubled Host they
 *   sign, so they verify; the flow fetches presigned URLs with that Host too, and the plain fetch is
 *   SignatureDoesNotMatch.
 *
 * The gateway answered every other request as S3 does; no gateway change came out of this client.
 * Skips with a reason when boto 2 is missing (.ci/run installs it: apt-get install -y python3-boto).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientEnv, clientRig, flowSteps, locate, partsUploaded, requestsTo, runOk, which, type Tool } from './harness.js';

const SCRIPT = join(process.cwd(), 'test/clients/boto2_flow.py');
const MiB = 1024 * 1024;
const LIST = [...Array.from({ length: 10 }, (_, i) => `list/k${String(i).padStart(2, '0')}`), 'list/sub/x'];
const err = (cls: string, status: number, code: string): Record<string, unknown> => ({ class: cls, status, code });

/** Debian's python3 (or one on PATH) that imports boto 2. */
async function findBoto2(): Promise<Tool | undefined> {
  return locate(['/usr/bin/python3', ...(await which('python3'))], ['-c', 'import boto; print("boto", boto.__version__)'], /boto 2\.\S+/);
}

async function flow(t: TestContext, py: Tool, sig: 'v2' | 'v4'): Promise<void> {
  const { gw, watch, dir } = await clientRig(t, `clients-boto2-${sig}`);
  const bucket = `boto2-${sig}`;
  const params = join(dir.path, 'params.json');
  await writeFile(params, JSON.stringify({ endpoint: gw.url, access_key: gw.accessKey, secret_key: gw.secretKey, bucket }));
  // A private HOME has no ~/.boto; BOTO_CONFIG replaces boto's config search path (/etc/boto.cfg too).
  const config = join(dir.path, 'boto.cfg');
  await writeFile(config, sig === 'v4' ? '[s3]\nuse-sigv4 = True\n' : '[s3]\n');
  const r = await runOk(py.path, [SCRIPT, params], { env: clientEnv(dir.path, { BOTO_CONFIG: config }), timeoutMs: 60_000 });
  const { stepOk } = flowSteps(r);
  const seen = watch.seen;
  const v4 = sig === 'v4';

  await t.test('signature version; create_bucket, again (S3CreateError BucketAlreadyOwnedByYou), lookup of a missing bucket', () => {
    const s = stepOk('signature version');
    assert.equal(s.auth, v4 ? 'hmac-v4-s3' : 'hmac-v1');
    assert.equal(s.without_region, v4 ? 'UnboundLocalError' : null, 'boto/boto#3377 without auth_region_name');
    // boto 2 names a bucket `/bucket/` in path style.
    const auth = requestsTo(seen, 'PUT', `/${bucket}/`)[0]?.headers.authorization;
    assert.match(String(auth), v4 ? /^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/us-east-1\/s3\/aws4_request,/ : /^AWS [^:]+:[A-Za-z0-9+/]+=*$/);
    const c = stepOk('create_bucket, again (error code), lookup of a missing bucket');
    assert.deepEqual(c.again, err('S3CreateError', 409, 'BucketAlreadyOwnedByYou'));
    assert.equal(c.missing, true);
    assert.equal(c.listed, true);
  });

  await t.test('set_contents_from_string with metadata, get_key, byte-exact read back, ranged read, missing key', () => {
    const s = stepOk('set_contents_from_string with metadata and type, get_key, get_contents_as_string, a ranged GET');
    assert.equal(s.etag, `"${String(s.md5)}"`);
    assert.equal(s.size, 3000);
    assert.equal(s.type, 'application/x-test');
    assert.deepEqual(s.meta, { color: 'blue', shape: 'round' });
    assert.equal(s.same, true);
    assert.equal(s.range_same, true);
    assert.equal(s.missing, true);
    assert.deepEqual(s.missing_get, err('S3ResponseError', 404, 'NoSuchKey'));
    const put = requestsTo(seen, 'PUT', `/${bucket}/dir/small%20%C3%A9%2Bx.bin`)[0];
    assert.equal(put?.status, 200);
    assert.equal(put?.headers['x-amz-meta-color'], 'blue');
  });

  await t.test('set_contents_from_file with md5 sends Content-MD5; a wrong one is BadDigest and stores nothing', () => {
    const s = stepOk('set_contents_from_file with md5, and with a wrong md5 (BadDigest)');
    assert.equal(s.etag, `"${String(s.md5)}"`);
    assert.equal(s.same, true);
    assert.deepEqual(s.bad, err('S3ResponseError', 400, 'BadDigest'));
    assert.equal(s.bad_stored, false);
    const put = requestsTo(seen, 'PUT', `/${bucket}/file.bin`)[0];
    assert.equal(put?.headers['content-md5'], Buffer.from(String(s.md5), 'hex').toString('base64'));
    assert.deepEqual(requestsTo(seen, 'PUT', `/${bucket}/bad-digest.bin`).map((q) => q.status), [400]);
  });

  await t.test('bucket.list with prefix and delimiter, get_all_keys max_keys 3 paged by marker, bucket.list paging', () => {
    const s = stepOk('listing: bucket.list with prefix and delimiter, get_all_keys max_keys pages by marker, bucket.list pages');
    assert.deepEqual(s.prefixes, ['list/sub/']);
    assert.equal(s.direct, 10);
    assert.equal(s.pages, 4);
    assert.deepEqual(s.keys, LIST);
    assert.deepEqual(s.every, LIST);
    assert.deepEqual(s.after_marker, ['list/k08', 'list/k09', 'list/sub/x']);
    // boto 2 sends query values as they are ('/' unescaped).
    assert.ok(requestsTo(seen, 'GET', `/${bucket}/`).some((q) => q.url.endsWith('?marker=list/k05&max-keys=3&prefix=list/') && q.status === 200), 'a page asked for by marker');
  });

  await t.test('multipart: upload_part_from_file, copy_part_from_key, get_all_parts, complete_upload; cancel_upload', () => {
    const s = stepOk('multipart: initiate, upload_part_from_file, copy_part_from_key, upload_part_from_file, get_all_parts, complete');
    assert.equal(s.listed, true);
    assert.deepEqual(s.parts, [[1, 5 * MiB], [2, 5 * MiB], [3, 1234]]);
    assert.match(String(s.etag), /^"[0-9a-f]{32}-3"$/);
    assert.equal(s.size, 10 * MiB + 1234);
    assert.deepEqual(s.meta, { kind: 'multi' });
    assert.equal(s.same, true);
    assert.deepEqual(s.left, []);
    assert.deepEqual(partsUploaded(seen, `/${bucket}/mp.bin`), [1, 2, 3]);
    const copy = requestsTo(seen, 'PUT', `/${bucket}/mp.bin`).find((q) => q.url.includes('partNumber=2'));
    assert.equal(copy?.headers['x-amz-copy-source'], `${bucket}/five.bin`);
    const c = stepOk('multipart: copy_part_from_key with a range, get_all_parts, cancel_upload; a part to the cancelled upload (NoSuchUpload)');
    assert.equal(c.listed, true);
    // SigV4: boto's header order (boto/boto#3032), refused as S3 refuses it; SigV2 signs it right.
    assert.deepEqual(c.ranged, v4 ? err('S3ResponseError', 403, 'SignatureDoesNotMatch') : null);
    assert.deepEqual(c.parts, v4 ? [[1, 3]] : [[1, 3], [2, 1000]]);
    assert.deepEqual(c.left, []);
    assert.deepEqual(c.after, err('S3ResponseError', 404, 'NoSuchUpload'));
    assert.equal(c.key, false);
  });

  await t.test('copy_key keeps metadata and type, replaces them when given; a missing source is NoSuchKey', () => {
    const s = stepOk('copy_key keeping metadata, copy_key replacing it, copy_key of a missing key');
    assert.deepEqual(s.kept_meta, { color: 'blue', shape: 'round' });
    assert.equal(s.kept_type, 'application/x-test');
    assert.deepEqual(s.new_meta, { mood: 'new' });
    assert.equal(s.same, true);
    assert.deepEqual(s.missing, err('S3ResponseError', 404, 'NoSuchKey'));
    assert.equal(requestsTo(seen, 'PUT', `/${bucket}/copy-new.bin`)[0]?.headers['x-amz-metadata-directive'], 'REPLACE');
  });

  await t.test("ACLs: set_acl('public-read') on a key and the bucket, get_acl grants, anonymous GET, back to private", () => {
    const s = stepOk('ACLs: set_acl public-read on a key and the bucket, get_acl, anonymous GET; set_acl private');
    assert.deepEqual(s.before, ['CanonicalUser:FULL_CONTROL']);
    const publicRead = ['CanonicalUser:FULL_CONTROL', 'http://acs.amazonaws.com/groups/global/AllUsers:READ'];
    assert.deepEqual(s.key, publicRead);
    assert.deepEqual(s.bucket, publicRead);
    assert.equal(s.anon_status, 200);
    assert.equal(s.anon_same, true);
    assert.equal(s.anon_after, 403);
    assert.equal(s.owner, true);
    assert.equal(requestsTo(seen, 'PUT', `/${bucket}/file.bin`).find((q) => q.url.endsWith('?acl'))?.headers['x-amz-acl'], 'public-read');
  });

  await t.test('generate_url: presigned PUT and GET fetched with urllib, response-content-type, an expired URL', () => {
    const s = stepOk('generate_url: PUT, GET, GET with response headers, expired; fetched with urllib');
    assert.match(String(s.put_url), v4 ? /[?&]X-Amz-Signature=[0-9a-f]{64}/ : /[?&]Signature=.+&Expires=\d+&AWSAccessKeyId=/);
    assert.equal(s.put_status, 200);
    assert.equal(s.get_status, 200);
    assert.equal(s.same, true);
    assert.equal(s.hdr_type, 'text/x-boto');
    // The URL as given: boto's SigV4 doubled port (see the header); SigV2 does not sign the host.
    assert.equal(s.plain_get_status, v4 ? 403 : 200);
    // SigV2: S3's AccessDenied 'Request has expired'; SigV4: X-Amz-Expires=-10 is malformed.
    assert.deepEqual([s.expired_status, s.expired_code], v4 ? [400, 'AuthorizationQueryParametersError'] : [403, 'AccessDenied']);
    const put = requestsTo(seen, 'PUT', `/${bucket}/presigned%20%C3%BC.txt`)[0];
    assert.equal(put?.status, 200);
    assert.equal(put?.headers.authorization, undefined);
  });

  await t.test('versioning: configure_versioning, two versions, a delete marker, list_versions, get_key by version id', () => {
    const s = stepOk('versioning: configure_versioning, two versions, list_versions, get_key by version, a delete marker');
    assert.deepEqual(s.status, { Versioning: 'Enabled' });
    assert.equal(s.distinct, true);
    assert.equal(s.marker, true);
    assert.deepEqual(s.versions, [['DeleteMarker', s.marker_id], ['Key', s.v2], ['Key', s.v1]], 'newest first');
    assert.equal(s.old, 'one');
    assert.equal(s.current, 'two', 'the delete marker removed by version id');
  });

  await t.test('delete_keys (multi-object delete), delete_key; a wrong secret is SignatureDoesNotMatch; delete_bucket', () => {
    const d = stepOk('delete_keys (multi-object delete) of three keys, one missing; delete_key');
    assert.deepEqual(d.deleted, ['list/k00', 'list/k01', 'never-there']);
    assert.equal(d.errors, 0);
    assert.deepEqual(d.left, LIST.slice(3, 10));
    assert.ok(requestsTo(seen, 'POST', `/${bucket}/`).some((q) => q.url.endsWith('?delete') && q.status === 200));
    assert.deepEqual(stepOk('a wrong secret key: SignatureDoesNotMatch').error, err('S3ResponseError', 403, 'SignatureDoesNotMatch'));
    const b = stepOk('delete_bucket: not empty (error code), emptied, deleted');
    assert.deepEqual(b.full, err('S3ResponseError', 409, 'BucketNotEmpty'));
    assert.equal(b.gone, true);
  });
}

test('boto 2: SigV2 (its default for a non-AWS host), path style, plain HTTP', async (t) => {
  const py = await findBoto2();
  if (!py) {
    t.skip('boto 2 not importable by /usr/bin/python3 (.ci/run installs it: apt-get install -y python3-boto)');
    return;
  }
  t.diagnostic(`${py.path}: ${py.version}`);
  await flow(t, py, 'v2');
});

test('boto 2: SigV4 ([s3] use-sigv4 = True, auth_region_name), path style, plain HTTP', async (t) => {
  const py = await findBoto2();
  if (!py) {
    t.skip('boto 2 not importable by /usr/bin/python3 (.ci/run installs it: apt-get install -y python3-boto)');
    return;
  }
  await flow(t, py, 'v4');
});
