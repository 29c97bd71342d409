/**
 * Issue #4 (found by exploratory testing with boto3 presigned download links): a
 * `response-content-disposition` (or any `response-*` override) with characters beyond ISO-8859-1
 * answered 200 with the whole header turned into an RFC 2047 encoded-word
 * (`=?UTF-8?B?YXR0YWNo…?=`), which browsers do not decode: the download silently lost its
 * disposition and file name. AWS refuses such a value with 400 InvalidArgument "Header value cannot
 * be represented using ISO-8859-1." (ArgumentName, ArgumentValue; the error bodies quoted in
 * guardian/grid#1716 and IQSS/dataverse#4524), so an application finds out and sends RFC 5987
 * `filename*=UTF-8''…` instead. Values within ISO-8859-1 are still answered (see asOverrideValue for
 * their encoding). Real HTTP, SDK v3 and a presigned URL fetched with undici.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('response-* overrides: Latin-1 as is, beyond ISO-8859-1 400 InvalidArgument', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'override-latin1';
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'hello' }));

  const latin = 'attachment; filename="Grüße.txt"';
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', ResponseContentDisposition: latin, ResponseContentType: 'text/plain; x=ñ' }));
  assert.equal(await got.Body?.transformToString(), 'hello');
  await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', ResponseContentDisposition: latin }));
  const ascii = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', ResponseContentDisposition: "attachment; filename*=UTF-8''D%E2%80%99Arcy.txt" }));
  assert.equal(ascii.ContentDisposition, "attachment; filename*=UTF-8''D%E2%80%99Arcy.txt");
  await ascii.Body?.transformToString();

  const wide = 'attachment; filename="Father D’Arcy – 1976.txt"';
  const err = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', ResponseContentDisposition: wide })).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof S3ServiceException, String(err));
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.name, 'InvalidArgument');
  assert.equal(err.message, 'Header value cannot be represented using ISO-8859-1.');
  const fields = err as S3ServiceException & { ArgumentName?: string; ArgumentValue?: string };
  assert.equal(fields.ArgumentName, 'response-content-disposition');
  assert.equal(fields.ArgumentValue, wide);

  // A presigned download link, as browsers follow it.
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'k', ResponseContentDisposition: wide }), { expiresIn: 300 });
  const res = await request(url);
  const body = await res.body.text();
  assert.equal(res.statusCode, 400);
  assert.match(body, /<Code>InvalidArgument<\/Code><Message>Header value cannot be represented using ISO-8859-1\.<\/Message>/);
});
