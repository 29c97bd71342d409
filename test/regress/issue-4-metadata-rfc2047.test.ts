/**
 * Issue #4: non-ASCII user metadata as S3 handles it (User Guide, UsingMetadata.html, user-defined
 * metadata): "Values of such headers are character decoded as per RFC 2047 before storing and
 * encoded as per RFC 2047 to make them mail-safe before returning. If the string contains only
 * US-ASCII characters, it is presented as is." The gateway stored encoded-words as they came and
 * sent raw bytes back as they came: a Q-encoded or ISO-8859-1 word came back as sent instead of
 * S3's UTF-8 B form, a word spelling ASCII text came back encoded, a value sent as raw UTF-8 (what
 * the JS SDK v3 sends for `Metadata: { o: 'ö' }`) came back as raw bytes, which the SDK reads as
 * `Ã¶`, where S3 answers `=?UTF-8?B?w4PCtg==?=` (measured by MinIO, minio/minio#21282: S3 reads
 * each byte as an ISO-8859-1 character), and the 2 KB limit counted an encoded value's encoding.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CopyObjectCommand, CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { errorOf, gatewayWithClient } from '../helpers/gateway-client.js';

const b64 = (text: string): string => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

test('user metadata: RFC 2047 encoded-words decoded before storing, non-ASCII values returned as UTF-8 B encoded-words', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'rfc2047' }));
  const Metadata = {
    b: b64('café'),
    q: '=?ISO-8859-1?Q?caf=E9_au_lait?=',
    lower: '=?utf-8?q?na=C3=AFve?=',
    ascii: '=?UTF-8?B?aGVsbG8=?=',
    adjacent: '=?UTF-8?Q?a?= =?UTF-8?Q?b?= c',
    plain: 'plain text',
    malformed: '=?UTF-8?B?***?=',
    unknown: '=?x-no-such-charset?B?YQ==?=',
    raw: 'ö',
  };
  await s3.send(new PutObjectCommand({ Bucket: 'rfc2047', Key: 'k', Body: 'data', Metadata }));
  const expected = {
    b: b64('café'),
    q: b64('café au lait'),
    lower: b64('naïve'),
    ascii: 'hello',
    adjacent: 'ab c',
    plain: 'plain text',
    malformed: '=?UTF-8?B?***?=',
    unknown: '=?x-no-such-charset?B?YQ==?=',
    // The SDK sends ö as the UTF-8 bytes C3 B6; S3 reads them as Ã and ¶.
    raw: '=?UTF-8?B?w4PCtg==?=',
  };
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: 'rfc2047', Key: 'k' }))).Metadata, expected);
  const get = await s3.send(new GetObjectCommand({ Bucket: 'rfc2047', Key: 'k' }));
  assert.deepEqual(get.Metadata, expected);
  assert.equal(await get.Body?.transformToString(), 'data');

  // A copy keeps the stored (decoded) values; a REPLACE decodes its own.
  await s3.send(new CopyObjectCommand({ Bucket: 'rfc2047', Key: 'copy', CopySource: 'rfc2047/k' }));
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: 'rfc2047', Key: 'copy' }))).Metadata, expected);
  await s3.send(new CopyObjectCommand({ Bucket: 'rfc2047', Key: 'copy', CopySource: 'rfc2047/k', MetadataDirective: 'REPLACE', Metadata: { r: '=?UTF-8?Q?=C3=BC?=' } }));
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: 'rfc2047', Key: 'copy' }))).Metadata, { r: b64('ü') });
});

test('user metadata: the 2 KB limit counts the stored value, not its encoding', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'rfc2047size' }));
  // 2,000 UTF-8 bytes (+ 1 for the name), 2,680 characters encoded.
  const value = 'é'.repeat(1000);
  await s3.send(new PutObjectCommand({ Bucket: 'rfc2047size', Key: 'fits', Body: 'x', Metadata: { v: b64(value) } }));
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket: 'rfc2047size', Key: 'fits' }))).Metadata, { v: b64(value) });
  // 2,048 + 1 bytes stored: over.
  const over = await errorOf(s3.send(new PutObjectCommand({ Bucket: 'rfc2047size', Key: 'over', Body: 'x', Metadata: { v: b64('é'.repeat(1024)) } })));
  assert.equal(over.name, 'MetadataTooLarge');
});
