/**
 * Issue #4: ListParts with an empty `part-number-marker=` or `max-parts=` answered 400
 * InvalidArgument "Provided … not an integer or within integer range". S3 takes an empty value as
 * the default, listing from the first part, 1000 at most (LocalStack's AWS-validated
 * tests/aws/services/s3/test_s3_list_operations.py test_list_parts_empty_part_number_marker:
 * "it seems S3 does not care about empty string for integer query string parameters").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlAll, xmlText } from '../integration/s3/helpers.js';

test('ListParts: an empty part-number-marker or max-parts is the default', async () => {
  const { service } = await makeService();
  await send(service, { method: 'PUT', path: '/lpe' });
  const id = xmlText((await send(service, { method: 'POST', path: '/lpe/k?uploads' })).text, 'UploadId')!;
  assert.equal((await send(service, { method: 'PUT', path: `/lpe/k?partNumber=1&uploadId=${id}`, body: 'data' })).status, 200);
  for (const q of ['part-number-marker=', 'max-parts=']) {
    const r = await send(service, { method: 'GET', path: `/lpe/k?uploadId=${id}&${q}` });
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.deepEqual(xmlAll(r.text, 'PartNumber'), ['1'], q);
    assert.equal(xmlText(r.text, 'MaxParts'), '1000', q);
    assert.equal(xmlText(r.text, 'PartNumberMarker'), '0', q);
  }
  assert.equal((await send(service, { method: 'GET', path: `/lpe/k?uploadId=${id}&max-parts=x` })).status, 400, 'a value that is no integer is still refused');
});
