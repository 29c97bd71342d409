/**
 * Issue #4: a PostObject form whose `tagging` field is a well-formed XML document with another
 * root than `<Tagging>` (`<InvalidXmlTagging></InvalidXmlTagging>`) answered 400 MalformedXML and
 * stored nothing. S3 takes the upload (204) and stores the object without tags (LocalStack's
 * AWS-validated tests/aws/services/s3/test_s3.py TestS3PresignedPost::test_post_object_with_tags[invalid],
 * test_s3.snapshot.json get-tagging: TagSet []). A field that is not XML stays 400 MalformedXML and
 * stores nothing ([notxml], tagging-error); a `<Tagging>` document is stored as before ([single]).
 * Real HTTP, SDK v3 presigned POST.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { gatewayWithClient } from '../helpers/gateway-client.js';

test('PostObject tagging: another root element stores no tags, not XML is MalformedXML', async (t) => {
  const { s3 } = await gatewayWithClient(t, {}, { maxAttempts: 1 });
  const Bucket = 'post-tagging-root';
  await s3.send(new CreateBucketCommand({ Bucket }));
  const post = async (Key: string, tagging: string): Promise<Response> => {
    const { url, fields } = await createPresignedPost(s3, {
      Bucket, Key, Expires: 600, Fields: { tagging }, Conditions: [{ bucket: Bucket }, ['eq', '$tagging', tagging]],
    });
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob(['test-body-tagging']), 'f.txt');
    return fetch(url, { method: 'POST', body: form });
  };

  const other = await post('other-root', '<InvalidXmlTagging></InvalidXmlTagging>');
  assert.equal(other.status, 204, await other.text());
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'other-root' }))).TagSet, []);

  const single = await post('single', '<Tagging><TagSet><Tag><Key>TagName</Key><Value>TagValue</Value></Tag></TagSet></Tagging>');
  assert.equal(single.status, 204, await single.text());
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'single' }))).TagSet, [{ Key: 'TagName', Value: 'TagValue' }]);

  const notXml = await post('not-xml', 'not-xml');
  assert.equal(notXml.status, 400);
  assert.match(await notXml.text(), /<Code>MalformedXML<\/Code>/);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'not-xml' })), { name: 'NotFound' });
});
