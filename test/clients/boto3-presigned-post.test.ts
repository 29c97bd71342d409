/**
 * boto3 `generate_presigned_post` (SigV4, and SigV2 with signature_version "s3") with the form
 * sent by python `requests` (`files=`, as browser-upload examples do), against an in-process
 * gateway: the uploads are stored; a file over the policy's content-length-range and an expired
 * policy are refused with S3's codes. One python process runs every step and prints JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startGateway } from '../helpers/gateway.js';
import { clientEnv, findPython, runOk, tempDir } from './harness.js';

const SCRIPT = String.raw`
import json, os, sys
import boto3, requests
from botocore.config import Config

p = json.loads(sys.argv[1])
def client(sig):
    return boto3.client("s3", endpoint_url=p["endpoint"], aws_access_key_id=p["ak"], aws_secret_access_key=p["sk"],
                        region_name="us-east-1", config=Config(signature_version=sig, s3={"addressing_style": "path"}))
s3 = client("s3v4")
out = {}
s3.create_bucket(Bucket=p["bucket"])

post = s3.generate_presigned_post(p["bucket"], "py/${"${filename}"}",
    Fields={"Content-Type": "text/plain", "x-amz-meta-who": "boto3", "success_action_status": "201"},
    Conditions=[{"Content-Type": "text/plain"}, {"x-amz-meta-who": "boto3"}, {"success_action_status": "201"},
                ["content-length-range", 1, 1024]], ExpiresIn=600)
r = requests.post(post["url"], data=post["fields"], files={"file": ("from-python.txt", b"posted by requests", "text/plain")})
out["v4"] = {"status": r.status_code, "body": r.text, "etag": r.headers.get("ETag"), "fields": sorted(post["fields"])}

r = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 2048)})
out["too_large"] = {"status": r.status_code, "body": r.text}

old = s3.generate_presigned_post(p["bucket"], "py/expired", ExpiresIn=-60)
r = requests.post(old["url"], data=old["fields"], files={"file": ("e.txt", b"e")})
out["expired"] = {"status": r.status_code, "body": r.text}

v2 = client("s3").generate_presigned_post(p["bucket"], "py/sigv2", ExpiresIn=600)
r = requests.post(v2["url"], data=v2["fields"], files={"file": ("v2.txt", b"sigv2 form")})
out["v2"] = {"status": r.status_code, "body": r.text, "fields": sorted(v2["fields"])}
print(json.dumps(out))
`;

interface Step {
  status: number;
  body: string;
  etag?: string;
  fields?: string[];
}

test('boto3 generate_presigned_post + requests', async (t) => {
  const py = await findPython();
  if (!py?.boto3) {
    t.skip('boto3 not importable by any python3 on PATH');
    return;
  }
  const gw = await startGateway();
  t.after(() => gw.close());
  const dir = await tempDir('clients-post');
  t.after(() => dir.remove());
  const params = { endpoint: gw.url, ak: gw.accessKey, sk: gw.secretKey, bucket: 'py-forms' };
  const r = await runOk(py.executable, ['-c', SCRIPT, JSON.stringify(params)], { env: clientEnv(dir.path) });
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, Step>;
  const s3 = new S3Client(gw.clientConfig());
  t.after(() => s3.destroy());

  await t.test('SigV4 form: 201 PostResponse, stored with its fields', async () => {
    const v4 = out.v4!;
    assert.ok(v4.fields?.includes('x-amz-signature') && v4.fields.includes('policy'), String(v4.fields));
    assert.equal(v4.status, 201, v4.body);
    assert.match(v4.body, /<Key>py\/from-python\.txt<\/Key>/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'py-forms', Key: 'py/from-python.txt' }));
    assert.equal(head.ETag, v4.etag);
    assert.equal(head.ContentType, 'text/plain');
    assert.deepEqual(head.Metadata, { who: 'boto3' });
    const got = await s3.send(new GetObjectCommand({ Bucket: 'py-forms', Key: 'py/from-python.txt' }));
    assert.equal(await got.Body?.transformToString(), 'posted by requests');
  });

  await t.test('over content-length-range → 400 EntityTooLarge; expired → 403 AccessDenied', () => {
    assert.equal(out.too_large!.status, 400, out.too_large!.body);
    assert.match(out.too_large!.body, /<Code>EntityTooLarge<\/Code>/);
    assert.equal(out.expired!.status, 403, out.expired!.body);
    assert.match(out.expired!.body, /<Code>AccessDenied<\/Code><Message>Invalid according to Policy: Policy expired\.<\/Message>/);
  });

  await t.test('SigV2 form (signature_version "s3": AWSAccessKeyId, signature)', async () => {
    const v2 = out.v2!;
    assert.ok(v2.fields?.includes('AWSAccessKeyId') && v2.fields.includes('signature'), String(v2.fields));
    assert.equal(v2.status, 204, v2.body);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'py-forms', Key: 'py/sigv2' }));
    assert.equal(await got.Body?.transformToString(), 'sigv2 form');
  });
});
