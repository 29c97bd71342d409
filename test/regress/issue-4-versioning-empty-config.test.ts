/**
 * Issue #4: PutBucketVersioning with an empty `<VersioningConfiguration/>` (boto3's
 * `VersioningConfiguration={}`) answered MalformedXML. S3 answers 400
 * IllegalVersioningConfigurationException "The Versioning element must be specified"
 * (LocalStack's AWS-validated test_s3_api.py test_bucket_versioning_crud, put-versioning-empty);
 * a Status S3 does not know (`enabled`, `Disabled`) stays MalformedXML there. The state is unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';

test('PutBucketVersioning: an empty configuration is IllegalVersioningConfigurationException', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/vers' })).status, 200);
  assert.equal((await send(service, { method: 'PUT', path: '/vers?versioning', body: `<VersioningConfiguration ${NS}><Status>Suspended</Status></VersioningConfiguration>` })).status, 200);
  for (const body of [`<VersioningConfiguration ${NS}/>`, `<VersioningConfiguration ${NS}></VersioningConfiguration>`]) {
    const r = await send(service, { method: 'PUT', path: '/vers?versioning', body });
    assert.equal(r.status, 400, body);
    assert.equal(xmlText(r.text, 'Code'), 'IllegalVersioningConfigurationException');
    assert.equal(xmlText(r.text, 'Message'), 'The Versioning element must be specified');
  }
  for (const status of ['enabled', 'Disabled']) {
    const r = await send(service, { method: 'PUT', path: '/vers?versioning', body: `<VersioningConfiguration ${NS}><Status>${status}</Status></VersioningConfiguration>` });
    assert.equal(xmlText(r.text, 'Code'), 'MalformedXML', status);
  }
  assert.equal(xmlText((await send(service, { method: 'GET', path: '/vers?versioning' })).text, 'Status'), 'Suspended');
});
