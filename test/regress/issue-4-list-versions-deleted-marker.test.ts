/**
 * Issue #4 (soak17): emptying a versioned bucket the usual way — list a page of versions, delete
 * them, list the next page with NextKeyMarker / NextVersionIdMarker (boto3's
 * `bucket.object_versions.delete()`, SDK paginators feeding DeleteObjects) — stopped at the second
 * page with 400 InvalidArgument "unknown version-id-marker": the marker named the version just
 * deleted. S3 goes on after the place that version had (localstack/localstack#12259, from #12255:
 * "AWS will return the next value in line after this now deleted marker"); only a malformed id is
 * refused ("Invalid version id specified"). The `null` marker of an unversioned bucket (every page's)
 * failed the same way; a null version that is gone has no place, so the listing goes on from the
 * key's first version (nothing older skipped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

type Service = Awaited<ReturnType<typeof makeService>>['service'];

async function versionedBucket(service: Service, keys: string[], perKey: number): Promise<void> {
  assert.equal((await send(service, { method: 'PUT', path: '/vbkt' })).status, 200);
  const on = '<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>';
  assert.equal((await send(service, { method: 'PUT', path: '/vbkt?versioning', body: on })).status, 200);
  for (const k of keys) {
    for (let i = 0; i < perKey; i++) assert.equal((await send(service, { method: 'PUT', path: `/vbkt/${k}`, body: `${k}${i}` })).status, 200);
  }
  assert.equal((await send(service, { method: 'DELETE', path: `/vbkt/${keys[0]!}` })).status, 204); // a delete marker too
}

/** The inner XML of every `<name>` element (they hold elements, which xmlAll does not match). */
function blocks(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!);
}

/** Pairs key@versionId of one ListObjectVersions page, in document order. */
function pageEntries(xml: string): string[] {
  return [...xml.matchAll(/<(?:Version|DeleteMarker)>([\s\S]*?)<\/(?:Version|DeleteMarker)>/g)].map((m) => `${xmlText(m[1]!, 'Key')!}@${xmlText(m[1]!, 'VersionId')!}`);
}

test('list a page, delete it, list on from its markers: every version is seen once and the bucket ends empty', async () => {
  const { service } = await makeService();
  await versionedBucket(service, ['a', 'b', 'c', 'd'], 3);
  const all = pageEntries((await send(service, { method: 'GET', path: '/vbkt?versions' })).text);
  assert.equal(all.length, 13);
  const seen: string[] = [];
  let markers = '';
  for (let pages = 0; pages < 20; pages++) {
    const page = await send(service, { method: 'GET', path: `/vbkt?versions&max-keys=4${markers}` });
    assert.equal(page.status, 200, page.text);
    const entries = pageEntries(page.text);
    seen.push(...entries);
    const objects = entries.map((e) => `<Object><Key>${e.split('@')[0]!}</Key><VersionId>${e.split('@')[1]!}</VersionId></Object>`).join('');
    const del = await send(service, { method: 'POST', path: '/vbkt?delete', body: `<Delete><Quiet>true</Quiet>${objects}</Delete>` });
    assert.equal(del.status, 200, del.text);
    assert.equal(blocks(del.text, 'Error').length, 0, del.text);
    if (xmlText(page.text, 'IsTruncated') !== 'true') break;
    markers = `&key-marker=${encodeURIComponent(xmlText(page.text, 'NextKeyMarker')!)}&version-id-marker=${xmlText(page.text, 'NextVersionIdMarker')!}`;
  }
  assert.deepEqual(seen, all);
  assert.deepEqual(pageEntries((await send(service, { method: 'GET', path: '/vbkt?versions' })).text), []);
});

test('a deleted marker that was its key\'s latest version: the next page starts with the new latest', async () => {
  const { service } = await makeService();
  await versionedBucket(service, ['x', 'y'], 3); // x: marker, x2, x1, x0; y: y2, y1, y0
  const first = await send(service, { method: 'GET', path: '/vbkt?versions&max-keys=1&key-marker=x&version-id-marker=' });
  // key-marker=x with an empty version-id-marker starts after x: the first page is y's newest.
  const [top] = pageEntries(first.text);
  assert.match(top!, /^y@/);
  assert.equal((await send(service, { method: 'DELETE', path: `/vbkt/y?versionId=${top!.split('@')[1]!}` })).status, 204);
  const next = await send(service, { method: 'GET', path: `/vbkt?versions&key-marker=y&version-id-marker=${top!.split('@')[1]!}` });
  assert.equal(next.status, 200, next.text);
  const versions = blocks(next.text, 'Version');
  assert.equal(versions.length, 2);
  assert.equal(xmlText(versions[0]!, 'IsLatest'), 'true', 'y1 is the latest now');
  assert.equal(xmlText(versions[1]!, 'IsLatest'), 'false');
});

test('a marker that is not the key\'s latest still starts after it, the rest not latest', async () => {
  const { service } = await makeService();
  await versionedBucket(service, ['x'], 3);
  const all = pageEntries((await send(service, { method: 'GET', path: '/vbkt?versions' })).text); // marker, x2, x1, x0
  const x2 = all[1]!.split('@')[1]!;
  assert.equal((await send(service, { method: 'DELETE', path: `/vbkt/x?versionId=${x2}` })).status, 204);
  const next = await send(service, { method: 'GET', path: `/vbkt?versions&key-marker=x&version-id-marker=${x2}` });
  assert.equal(next.status, 200, next.text);
  assert.deepEqual(pageEntries(next.text), all.slice(2));
  assert.deepEqual(xmlAll(next.text, 'IsLatest'), ['false', 'false']);
});

test('a malformed version-id-marker is still refused: 400 InvalidArgument', async () => {
  const { service } = await makeService();
  await versionedBucket(service, ['x'], 1);
  const r = await send(service, { method: 'GET', path: '/vbkt?versions&key-marker=x&version-id-marker=not-a-version' });
  assert.equal(r.status, 400);
  assert.equal(xmlText(r.text, 'Code'), 'InvalidArgument');
});

test('unversioned bucket (every marker is "null"): list a page, delete it, list on: every key once, the bucket ends empty', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/ubkt' })).status, 200);
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  for (const k of keys) assert.equal((await send(service, { method: 'PUT', path: `/ubkt/${k}`, body: k })).status, 200);
  const seen: string[] = [];
  let markers = '';
  for (let pages = 0; pages < 20; pages++) {
    const page = await send(service, { method: 'GET', path: `/ubkt?versions&max-keys=3${markers}` });
    assert.equal(page.status, 200, page.text);
    const entries = pageEntries(page.text);
    seen.push(...entries);
    const objects = entries.map((e) => `<Object><Key>${e.split('@')[0]!}</Key><VersionId>null</VersionId></Object>`).join('');
    assert.equal((await send(service, { method: 'POST', path: '/ubkt?delete', body: `<Delete><Quiet>true</Quiet>${objects}</Delete>` })).status, 200);
    if (xmlText(page.text, 'IsTruncated') !== 'true') break;
    assert.equal(xmlText(page.text, 'NextVersionIdMarker'), 'null');
    markers = `&key-marker=${encodeURIComponent(xmlText(page.text, 'NextKeyMarker')!)}&version-id-marker=null`;
  }
  assert.deepEqual(seen, keys.map((k) => `${k}@null`));
  assert.deepEqual(pageEntries((await send(service, { method: 'GET', path: '/ubkt?versions' })).text), []);
});

test('a deleted null-version marker in a versioned bucket: no older version of the key is skipped', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: '/sbkt' })).status, 200);
  const status = async (s: string): Promise<void> => {
    const body = `<VersioningConfiguration><Status>${s}</Status></VersioningConfiguration>`;
    assert.equal((await send(service, { method: 'PUT', path: '/sbkt?versioning', body })).status, 200);
  };
  await status('Enabled');
  const oldest = String((await send(service, { method: 'PUT', path: '/sbkt/x', body: 'a' })).headers['x-amz-version-id']);
  await status('Suspended');
  assert.equal((await send(service, { method: 'PUT', path: '/sbkt/x', body: 'n' })).status, 200); // the null version
  await status('Enabled');
  const newest = String((await send(service, { method: 'PUT', path: '/sbkt/x', body: 'c' })).headers['x-amz-version-id']);
  assert.deepEqual(pageEntries((await send(service, { method: 'GET', path: '/sbkt?versions' })).text), [`x@${newest}`, 'x@null', `x@${oldest}`]);
  assert.equal((await send(service, { method: 'DELETE', path: '/sbkt/x?versionId=null' })).status, 204);
  const next = await send(service, { method: 'GET', path: '/sbkt?versions&key-marker=x&version-id-marker=null' });
  assert.equal(next.status, 200, next.text);
  assert.ok(pageEntries(next.text).includes(`x@${oldest}`), next.text);
});
