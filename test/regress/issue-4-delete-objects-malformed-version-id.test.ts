/**
 * Issue #4: DeleteObjects answered an entry whose VersionId is not one S3 could have issued with
 * `<Error><Code>InvalidArgument</Code><Message>Invalid version id specified</Message>`. S3 answers
 * that entry NoSuchVersion "The specified version does not exist." in a versioned and in an
 * unversioned bucket (LocalStack's AWS-validated test_s3_api.py test_delete_objects and
 * test_delete_objects_versioned, VersionId HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD), while DeleteObject
 * of the same id stays 400 InvalidArgument. The other entries of the request are carried out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

const BAD = 'HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD';
const body = (objects: string): string => `<Delete>${objects}</Delete>`;

test('DeleteObjects: a malformed VersionId fails its entry as NoSuchVersion; DeleteObject keeps InvalidArgument', async () => {
  const { service } = await makeService();
  const versioning = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  for (const [bucket, versioned] of [['plain', false], ['versioned', true]] as const) {
    assert.equal((await send(service, { method: 'PUT', path: `/${bucket}` })).status, 200);
    if (versioned) assert.equal((await send(service, { method: 'PUT', path: `/${bucket}?versioning`, body: versioning })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: `/${bucket}/k`, body: 'v' })).status, 200);
    assert.equal((await send(service, { method: 'PUT', path: `/${bucket}/other`, body: 'v' })).status, 200);

    const r = await send(service, { method: 'POST', path: `/${bucket}?delete`, body: body(`<Object><Key>k</Key><VersionId>${BAD}</VersionId></Object><Object><Key>other</Key></Object>`) });
    assert.equal(r.status, 200, r.text);
    const error = /<Error>.*?<\/Error>/s.exec(r.text)?.[0] ?? '';
    assert.equal(xmlText(error, 'Key'), 'k', bucket);
    assert.equal(xmlText(error, 'VersionId'), BAD, bucket);
    assert.equal(xmlText(error, 'Code'), 'NoSuchVersion', bucket);
    assert.equal(xmlText(error, 'Message'), 'The specified version does not exist.', bucket);
    assert.deepEqual(xmlAll(/<Deleted>.*<\/Deleted>/s.exec(r.text)?.[0] ?? '', 'Key'), ['other'], bucket);
    assert.equal((await send(service, { method: 'GET', path: `/${bucket}/k` })).status, 200, `${bucket}: k is still there`);

    const one = await send(service, { method: 'DELETE', path: `/${bucket}/k?versionId=${BAD}` });
    assert.equal(one.status, 400, bucket);
    assert.equal(xmlText(one.text, 'Code'), 'InvalidArgument');
  }
});
