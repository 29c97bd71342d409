/**
 * Issue #4 (ListObjects region header, LocalStack's AWS recordings): ListObjects and ListObjectsV2
 * answered without `x-amz-bucket-region`. S3 sends it on both: LocalStack's AWS-validated
 * test_region_header_exists asserts it on list_objects_v2, and the AWS recording of
 * test_bucket_name_with_dots (tests/aws/services/s3/test_s3.snapshot.json, list_objects_headers,
 * request_path_headers) shows it on ListObjects, signed and anonymous. A refused listing stays
 * without it (issue-4-head-bucket-region-denied).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send } from '../integration/s3/helpers.js';

test('ListObjects and ListObjectsV2 carry x-amz-bucket-region', async () => {
  const { service } = await makeService({ region: 'eu-west-1' });
  assert.equal((await send(service, { method: 'PUT', path: '/listregion', headers: { 'x-amz-acl': 'public-read' } })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/listregion/k', body: 'v' })).status, 200);
  for (const [path, as] of [['/listregion', undefined], ['/listregion?list-type=2', undefined], ['/listregion', null]] as const) {
    const r = await send(service, { method: 'GET', path, as });
    assert.equal(r.status, 200, `${path} ${r.text}`);
    assert.equal(r.headers['x-amz-bucket-region'], 'eu-west-1', `${path} as ${as === null ? 'anonymous' : 'owner'}`);
  }
});
