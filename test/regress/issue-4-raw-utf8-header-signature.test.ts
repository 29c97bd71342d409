/**
 * Issue #4 (found with the AWS SDK for Ruby v3, test/clients/ruby-sdk.test.ts): a request carrying
 * header bytes ≥ 0x80 — user metadata `café`, or an `x-amz-copy-source` naming a key with `é`, sent
 * as raw UTF-8 and signed over those bytes, as the SDKs for Ruby, Go and Java do — answered 403
 * SignatureDoesNotMatch. Node's parser hands such a value over one latin1 character per byte and
 * the gateway hashed the canonical request as UTF-8, i.e. each of those bytes as two. SigV4 signs
 * bytes (AWS "Create a canonical request": the hashed payload is the canonical request's bytes), so
 * the bytes sent are now tried as well; a copy source sent so is read as the UTF-8 text it spells.
 * (The JS SDK v3 sends and signs UTF-8 too: its `Metadata: { name: 'café' }` failed the same way;
 * botocore refuses non-ASCII metadata before sending.) A signature over the characters' UTF-8
 * encoding still verifies, as before. Metadata comes back as S3 presents it (issue-4-metadata-rfc2047).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const hmac = (key: Buffer | string, data: Buffer | string): Buffer => createHmac('sha256', key).update(data).digest();
const hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

interface Answer { status: number; headers: Record<string, string>; body: string }

/**
 * Send a SigV4-signed request over a raw socket, header values given as bytes (latin1 strings: one
 * character per byte; Node's own client would re-encode them as UTF-8, and refuses characters above
 * U+00FF). `signAs` picks what the signer hashed: the bytes sent, or the UTF-8 encoding of those
 * characters. `sendInstead` replaces header values after signing.
 */
async function send(gw: TestGateway, method: string, path: string, amz: Record<string, string>, body: string, signAs: 'bytes' | 'utf8', sendInstead: Record<string, string> = {}): Promise<Answer> {
  const now = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const date = now.slice(0, 8);
  const headers: Record<string, string> = { host: `127.0.0.1:${gw.port}`, 'x-amz-content-sha256': hex(body), 'x-amz-date': now, ...amz };
  const names = Object.keys(headers).sort();
  const canonical = [method, path, '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), headers['x-amz-content-sha256']].join('\n');
  const scope = `${date}/${gw.region}/s3/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${now}\n${scope}\n${hex(Buffer.from(canonical, signAs === 'bytes' ? 'latin1' : 'utf8'))}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${gw.secretKey}`, date), gw.region), 's3'), 'aws4_request');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${gw.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${hmac(key, sts).toString('hex')}`;
  return sendRaw(gw, method, path, { ...headers, ...sendInstead }, body);
}

/** SigV2 (RESTAuthentication.html), the string to sign hashed as the bytes sent. */
function sendV2(gw: TestGateway, method: string, path: string, amz: Record<string, string>, body: string): Promise<Answer> {
  const date = new Date().toUTCString();
  const sts = `${method}\n\n\n${date}\n${Object.keys(amz).sort().map((n) => `${n}:${amz[n]}\n`).join('')}${path}`;
  const signature = createHmac('sha1', gw.secretKey).update(Buffer.from(sts, 'latin1')).digest('base64');
  return sendRaw(gw, method, path, { host: `127.0.0.1:${gw.port}`, date, ...amz, authorization: `AWS ${gw.accessKey}:${signature}` }, body);
}

async function sendRaw(gw: TestGateway, method: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  const sent = { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' };
  const head = `${method} ${path} HTTP/1.1\r\n${Object.entries(sent).map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  const socket = connect(gw.port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = once(socket, 'close');
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]));
  await closed;
  const text = Buffer.concat(chunks).toString('latin1');
  const [top = '', rest = ''] = text.split('\r\n\r\n', 2) as [string?, string?];
  const [statusLine = '', ...lines] = top.split('\r\n');
  const answer: Answer = { status: Number(statusLine.split(' ')[1]), headers: {}, body: Buffer.from(rest, 'latin1').toString('utf8') };
  for (const l of lines) answer.headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
  return answer;
}

/** UTF-8 text as the latin1 string of its bytes (what goes on the wire byte for byte). */
const raw = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

test('header bytes ≥ 0x80 signed as sent: metadata and copy source in raw UTF-8 verify; other bytes than signed do not', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  assert.equal((await send(gw, 'PUT', '/utf8hdr', {}, '', 'bytes')).status, 200);

  const meta = await send(gw, 'PUT', '/utf8hdr/m', { 'x-amz-meta-name': raw('café łódź 😀') }, 'data', 'bytes');
  assert.equal(meta.status, 200, meta.body);
  const head = await send(gw, 'HEAD', '/utf8hdr/m', {}, '', 'bytes');
  assert.equal(head.status, 200);
  // As S3 answers (issue-4-metadata-rfc2047): each byte sent is the ISO-8859-1 character it spells,
  // and the value goes out as an RFC 2047 encoded-word of those characters' UTF-8.
  const word = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=$/.exec(String(head.headers['x-amz-meta-name']));
  assert.ok(word, String(head.headers['x-amz-meta-name']));
  assert.equal(Buffer.from(Buffer.from(word[1] ?? '', 'base64').toString('utf8'), 'latin1').toString('utf8'), 'café łódź 😀');

  assert.equal((await send(gw, 'PUT', '/utf8hdr/k%20%C3%A9', {}, 'source', 'bytes')).status, 200);
  const copy = await send(gw, 'PUT', '/utf8hdr/copied', { 'x-amz-copy-source': raw('utf8hdr/k é') }, '', 'bytes');
  assert.equal(copy.status, 200, copy.body);
  assert.equal((await send(gw, 'GET', '/utf8hdr/copied', {}, '', 'bytes')).body, 'source');

  const v2 = await sendV2(gw, 'PUT', '/utf8hdr/v2', { 'x-amz-meta-name': raw('naïve ✓') }, 'v2');
  assert.equal(v2.status, 200, `SigV2: ${v2.body}`);

  // Other bytes than the ones signed are still refused.
  const forged = await send(gw, 'PUT', '/utf8hdr/m2', { 'x-amz-meta-name': raw('café') }, 'data', 'bytes', { 'x-amz-meta-name': raw('cafè') });
  assert.equal(forged.status, 403);
  assert.match(forged.body, /SignatureDoesNotMatch/);
  // A latin1 byte signed as the UTF-8 encoding of its character: accepted, as it was before.
  const latin = await send(gw, 'PUT', '/utf8hdr/latin', { 'x-amz-meta-name': 'caf\u00e9' }, 'data', 'utf8');
  assert.equal(latin.status, 200, latin.body);
  assert.equal((await send(gw, 'HEAD', '/utf8hdr/latin', {}, '', 'bytes')).headers['x-amz-meta-name'], '=?UTF-8?B?Y2Fmw6k=?=');
});
