/**
 * Issue #4 (found auditing versitygw tests/integration/PutBucketPolicy.go): a statement whose
 * Action, Resource or AWS principal is empty (`""`, `[]`) was refused 400 MalformedPolicy "Action
 * must be a string or a list of strings" (Resource …, Principal …), words of our own. S3 says
 * "Policy has invalid action", "Policy has invalid resource" and "Invalid principal in policy"
 * (versitygw PutBucketPolicy_invalid_action, _empty_resources_string, _empty_resources_array,
 * _principals_aws_struct_empty_string, _principals_aws_struct_empty_string_slice). Code and status
 * were already S3's; nothing is stored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'polempty';

test('PutBucketPolicy: empty Action, Resource or AWS principal get S3\'s messages', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  const statement = (extra: Record<string, unknown>): string =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${B}`, ...extra }] });
  const cases: [Record<string, unknown>, string][] = [
    [{ Action: '' }, 'Policy has invalid action'],
    [{ Action: [] }, 'Policy has invalid action'],
    [{ Resource: '' }, 'Policy has invalid resource'],
    [{ Resource: [] }, 'Policy has invalid resource'],
    [{ Principal: { AWS: '' } }, 'Invalid principal in policy'],
    [{ Principal: { AWS: [] } }, 'Invalid principal in policy'],
  ];
  for (const [extra, message] of cases) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body: statement(extra) });
    assert.equal(res.status, 400, JSON.stringify(extra));
    assert.equal(xmlText(res.text, 'Code'), 'MalformedPolicy');
    assert.equal(xmlText(res.text, 'Message'), message, JSON.stringify(extra));
  }
  assert.equal((await send(service, { method: 'GET', path: `/${B}?policy` })).status, 404);
});
