/**
 * S3 Object Ownership (src/s3/ownership.ts): the OwnershipControls document, the persisted v1 form
 * (golden fixture), and which ACLs a bucket with ACLs disabled accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aclFromHeaders, cannedAcl } from '../../../src/s3/acl.js';
import { S3Error } from '../../../src/s3/errors.js';
import { aclsDisabled, asStoredOwnership, objectOwnershipOf, onlyOwnerFullControl, refuseAclWhenDisabled } from '../../../src/s3/ownership.js';
import { parseOwnershipControls, renderOwnershipControls } from '../../../src/s3/xml/config.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const code = (c: string) => (e: unknown): boolean => e instanceof S3Error && e.code === c;
const doc = (rules: string): Buffer => Buffer.from(`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</OwnershipControls>`);

test('OwnershipControls: one Rule with one of the three settings; anything else is MalformedXML', async () => {
  for (const o of ['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']) {
    assert.equal(await parseOwnershipControls(doc(`<Rule><ObjectOwnership>${o}</ObjectOwnership></Rule>`)), o);
  }
  for (const bad of ['', '<Rule><ObjectOwnership>Everyone</ObjectOwnership></Rule>', '<Rule></Rule>',
    '<Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>']) {
    await assert.rejects(parseOwnershipControls(doc(bad)), code('MalformedXML'), bad);
  }
  await assert.rejects(parseOwnershipControls(Buffer.from('<Other/>')), code('MalformedXML'));
  assert.match(renderOwnershipControls('BucketOwnerEnforced'), /<OwnershipControls xmlns="[^"]+"><Rule><ObjectOwnership>BucketOwnerEnforced<\/ObjectOwnership><\/Rule><\/OwnershipControls>$/);
});

test('persisted v1 form (golden fixture) reads back; no controls is ObjectWriter', () => {
  const stored = JSON.parse(readFileSync(join(process.cwd(), 'test', 'fixtures', 's3', 'stored-ownership-v1.json'), 'utf8')) as unknown;
  assert.deepEqual(asStoredOwnership(stored), { v: 1, objectOwnership: 'BucketOwnerEnforced' });
  assert.equal(aclsDisabled({ configs: { ownership: stored } }), true);
  assert.equal(objectOwnershipOf({ configs: {} }), 'ObjectWriter');
  assert.equal(asStoredOwnership({ objectOwnership: 'BucketOwnerEnforced' }), undefined, 'untagged');
  assert.equal(asStoredOwnership({ v: 1, objectOwnership: 'Everyone' }), undefined);
});

test('ACLs disabled: only a bucket-owner-full-control ACL is accepted', () => {
  const ok = (h: Record<string, string>, writer = B): void => refuseAclWhenDisabled(h, aclFromHeaders(h, writer, A), A);
  ok({});
  ok({ 'x-amz-acl': 'bucket-owner-full-control' });
  ok({ 'x-amz-grant-full-control': `id="${A}"` });
  for (const h of <Record<string, string>[]>[{ 'x-amz-acl': 'public-read' }, { 'x-amz-acl': 'private' }, { 'x-amz-grant-read': `id="${A}"` },
    { 'x-amz-grant-full-control': `id="${A}", id="${B}"` }, { 'x-amz-grant-full-control': `uri="http://acs.amazonaws.com/groups/global/AllUsers"` }]) {
    assert.throws(() => ok(h), code('AccessControlListNotSupported'), JSON.stringify(h));
  }
  assert.equal(onlyOwnerFullControl(cannedAcl('private', A), A), true);
  assert.equal(onlyOwnerFullControl(cannedAcl('public-read', A), A), false);
  assert.equal(onlyOwnerFullControl(cannedAcl('log-delivery-write', A), A), false);
});
