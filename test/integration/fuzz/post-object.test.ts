/**
 * Property-based fuzz of PostObject (browser form uploads, issue #4): a SigV4-signed form — the
 * policy document, its conditions and the form fields (key, Content-Type, x-amz-meta-*, tagging
 * XML, acl, success_action_status / redirect, checksum fields) — with odd values, fields dropped,
 * repeated or added, the file part missing or doubled, the policy JSON mutated before it is signed
 * (so the policy parser is reached), and the multipart/form-data bytes broken (truncated, boundary
 * changed, CRLF dropped). Each answer is a 4xx with a catalog code or a 2xx/303, never a 5xx; a
 * refused upload stores nothing.
 */
import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { amzDate, signingKey } from '../../../conformance/lib/sign.js';
import { FC_PARAMS, ODD_VALUES, fuzzer, refused } from './harness.js';

const B = 'fz-post';
const BOUNDARY = '----fuzzboundary7MA4YWxkTrZu0gW';

const odd = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ODD_VALUES.filter((v) => v.length < 2000)) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) });

const formArb = fc.record({
  fieldEdits: fc.array(fc.tuple(fc.constantFrom('key', 'Content-Type', 'x-amz-meta-a', 'tagging', 'acl', 'success_action_status', 'success_action_redirect', 'x-amz-checksum-crc32',
    'x-amz-checksum-algorithm', 'Cache-Control', 'x-amz-storage-class', 'x-amz-date', 'x-amz-credential', 'x-amz-algorithm', 'policy', 'x-amz-signature', 'AWSAccessKeyId', 'signature',
    'x-amz-meta-ü', 'x-amz-server-side-encryption', 'Expires', 'Content-Disposition', 'x-amz-website-redirect-location', 'file'), fc.constantFrom('set', 'drop', 'dup'), odd), { maxLength: 3 }),
  policyEdits: fc.array(fc.tuple(fc.constantFrom('expiration', 'conditions', 'cond0', 'cond1', 'cond2', 'extra', 'whole'), fc.oneof(odd, fc.jsonValue({ maxDepth: 2 }))), { maxLength: 2 }),
  file: fc.constantFrom('one', 'none', 'two', 'no-filename'),
  bytes: fc.option(fc.tuple(fc.constantFrom('truncate', 'boundary', 'dropCrlf', 'noType'), fc.nat()), { freq: 4 }),
});

test('fuzzed PostObject forms: a 4xx with an AWS code, a 2xx or a 303, never a 5xx; nothing stored on refusal', async (t) => {
  const f = await fuzzer(t);
  await f.send({ method: 'PUT', path: `/${B}` });
  let run = 0;
  await fc.assert(fc.asyncProperty(formArb, async (c) => {
    const key = `post-${++run}`;
    const now = new Date();
    const date = amzDate(now);
    const scope = `${date.slice(0, 8)}/${f.gw.region}/s3/aws4_request`;
    const credential = `${f.gw.accessKey}/${scope}`;
    const policy: Record<string, unknown> = {
      expiration: new Date(now.getTime() + 600_000).toISOString(),
      conditions: [{ bucket: B }, ['starts-with', '$key', 'post-'], { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' }, { 'x-amz-credential': credential }, { 'x-amz-date': date },
        ['starts-with', '$Content-Type', ''], ['starts-with', '$x-amz-meta-a', ''], ['content-length-range', 0, 10_000], ['starts-with', '$tagging', ''], ['starts-with', '$success_action_status', '']],
    };
    for (const [what, v] of c.policyEdits) {
      const conds = policy.conditions as unknown[];
      if (what === 'whole') Object.assign(policy, { conditions: v });
      else if (what === 'extra') policy[(JSON.stringify(v) ?? 'x').slice(0, 10)] = v;
      else if (what.startsWith('cond') && Array.isArray(conds)) conds[Number(what.slice(4))] = v;
      else policy[what] = v;
    }
    const b64 = Buffer.from(JSON.stringify(policy)).toString('base64');
    const sig = createHmac('sha256', signingKey(f.gw.secretKey, date.slice(0, 8), f.gw.region)).update(b64).digest('hex');
    const fields: [string, string][] = [['key', key], ['x-amz-algorithm', 'AWS4-HMAC-SHA256'], ['x-amz-credential', credential], ['x-amz-date', date], ['policy', b64], ['x-amz-signature', sig],
      ['Content-Type', 'text/plain'], ['x-amz-meta-a', 'b'], ['tagging', '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'], ['success_action_status', '201']];
    for (const [name, op, v] of c.fieldEdits) {
      const i = fields.findIndex(([n]) => n === name);
      if (op === 'drop') { if (i >= 0) fields.splice(i, 1); }
      else if (op === 'dup') fields.push([name, i >= 0 ? fields[i]![1] : v]);
      else if (i >= 0) fields[i] = [name, v];
      else fields.push([name, v]);
    }
    const parts: Buffer[] = fields.map(([n, v]) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`));
    const filePart = (name: string | undefined) => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"${name ? `; filename="${name}"` : ''}\r\nContent-Type: text/plain\r\n\r\nfile body\r\n`);
    if (c.file !== 'none') parts.push(filePart(c.file === 'no-filename' ? undefined : 'a.txt'));
    if (c.file === 'two') parts.push(filePart('b.txt'));
    parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
    let body = Buffer.concat(parts);
    let contentType = `multipart/form-data; boundary=${BOUNDARY}`;
    if (c.bytes) {
      const [kind, n] = c.bytes;
      if (kind === 'truncate') body = body.subarray(0, n % (body.length + 1));
      if (kind === 'boundary') contentType = ['multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=other', 'multipart/mixed; boundary=' + BOUNDARY, 'text/plain'][n % 5]!;
      if (kind === 'dropCrlf') { const s = body.toString('latin1'); const at = [...s.matchAll(/\r\n/g)].map((m) => m.index); const p = at[n % at.length]!; body = Buffer.concat([body.subarray(0, p), body.subarray(p + 2)]); }
      if (kind === 'noType') contentType = '';
    }
    const a = await f.check({ method: 'POST', path: `/${B}`, body, anonymous: true, headers: contentType ? { 'content-type': contentType } : {}, noMd5: true }, 'PostObject');
    const head = await f.send({ method: 'HEAD', path: `/${B}/${key}` });
    if (refused(a) && a.status !== 303 && head.status !== 404) throw new Error(`refused PostObject (${a.status} ${a.code}) stored ${key}`);
    if (head.status === 200) {
      for (const method of ['GET', 'HEAD']) await f.check({ method, path: `/${B}/${key}` }, `${method} after PostObject`);
      await f.check({ method: 'GET', path: `/${B}/${key}?tagging` }, 'GetObjectTagging after PostObject');
    }
  }), FC_PARAMS);
  if (process.env.FUZZ_VERBOSE) t.diagnostic(JSON.stringify([...f.outcomes()].sort((x, y) => y[1] - x[1])));
  await f.alive(B);
});
