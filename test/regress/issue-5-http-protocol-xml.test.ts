/**
 * Regression (issue #5, faults/fuzz-http): two requests Node's HTTP server answered by itself, with
 * a bare status and no S3 XML error — an HTTP/1.1 request without Host (Node: 400) and an Expect
 * other than 100-continue (Node: 417). The S3 layer answers both now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway } from '../helpers/gateway.js';

function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d: Buffer) => { got += d.toString('latin1'); });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
    sock.on('connect', () => sock.end(text));
  });
}

test('no Host header: an S3 XML error, not Node\'s bare 400', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const r = await exchange(gw.port, 'GET /some-bucket/key HTTP/1.1\r\n\r\n');
  assert.match(r, /^HTTP\/1\.1 4\d\d /);
  assert.match(r, /<Error><Code>\w+<\/Code>/, r);
});

test('Expect: other than 100-continue is ignored: the request gets its S3 answer, not a bare 417', async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const r = await exchange(gw.port, 'PUT /some-bucket/key HTTP/1.1\r\nHost: localhost\r\nExpect: garbage\r\nContent-Length: 2\r\n\r\nhi');
  assert.doesNotMatch(r, /^HTTP\/1\.1 417/);
  assert.match(r, /^HTTP\/1\.1 404 /, r);
  assert.match(r, /<Code>NoSuchBucket<\/Code>/);
});
