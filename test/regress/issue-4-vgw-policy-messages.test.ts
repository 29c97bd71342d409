/**
 * Issue #4 (versitygw audit, PutBucketPolicy_invalid_json, _empty_statement, _invalid_effect,
 * _version): the 400 MalformedPolicy answers carried messages of our own. S3's words: a document
 * whose first byte is not `{` (`false`, `"Statement": []}`, a JSON array) "Policies must be valid
 * JSON and the first byte must be '{'"; `"Statement": []` "Could not parse the policy: Statement is
 * empty!" (no Statement at all stays "Missing required field Statement"); a bad Effect "Invalid
 * effect: <value>", a missing one "Missing required field Effect"; an unknown Version "The policy
 * must contain a valid version string". Codes and statuses were already S3's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeService, send, xmlText } from '../integration/s3/helpers.js';

const B = 'polmsg';
const st = (extra: Record<string, unknown>): Record<string, unknown> =>
  ({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/*`, ...extra });
const FIRST = "Policies must be valid JSON and the first byte must be '{'";

test('PutBucketPolicy: MalformedPolicy messages as S3 words them', async () => {
  const { service } = await makeService();
  assert.equal((await send(service, { method: 'PUT', path: `/${B}` })).status, 200);
  const cases: [string, string][] = [
    ['false', FIRST], ['invalid_json', FIRST], ['"Statement": []}', FIRST], ['[{"Effect":"Allow"}]', FIRST],
    ['{true}', 'This policy contains invalid Json'], ['{"Principal": "*" ', 'This policy contains invalid Json'],
    ['{}', 'Missing required field Statement'],
    ['{"Statement": []}', 'Could not parse the policy: Statement is empty!'],
    [JSON.stringify({ Statement: [st({ Effect: 'invalid_effect' })] }), 'Invalid effect: invalid_effect'],
    [JSON.stringify({ Statement: [st({ Effect: 'allow' })] }), 'Invalid effect: allow'],
    [JSON.stringify({ Statement: [st({ Effect: undefined })] }), 'Missing required field Effect'],
    ...['', 'invalid', '2000-10-17', '2012-10-16'].map((v): [string, string] =>
      [JSON.stringify({ Version: v, Statement: [st({})] }), 'The policy must contain a valid version string']),
  ];
  for (const [body, message] of cases) {
    const res = await send(service, { method: 'PUT', path: `/${B}?policy`, body });
    assert.equal(res.status, 400, body);
    assert.equal(xmlText(res.text, 'Code'), 'MalformedPolicy', body);
    assert.equal(xmlText(res.text, 'Message'), message, body);
  }
  assert.equal((await send(service, { method: 'GET', path: `/${B}?policy` })).status, 404, 'nothing stored');
  for (const v of ['2008-10-17', '2012-10-17']) {
    const body = `\n  ${JSON.stringify({ Version: v, Statement: st({}) })}`;
    assert.equal((await send(service, { method: 'PUT', path: `/${B}?policy`, body })).status, 204, `accepted: ${body}`);
  }
});
