/**
 * A client that ends its side of the connection before its body is complete (Content-Length larger
 * than what it sent, or a chunked body without its last chunk) gets S3's 400 IncompleteBody, and
 * the gateway keeps nothing of it (issue #5 "Faults": hostile input).
 *
 * Before, Node's parser reported the early end of stream as a parse error and the answer was 400
 * BadRequest "An error occurred when parsing the HTTP request." S3 answers such a request with
 * IncompleteBody (aws/aws-sdk-java-v2#2908 shows it on the wire: "The request body terminated
 * unexpectedly"). A request whose headers were cut short is still BadRequest.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import aws4 from 'aws4';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { signedHead } from '../helpers/raw-http.js';

const MiB = 1024 * 1024;

const head = (gw: TestGateway, path: string, headers: Record<string, string>): string => signedHead(gw, 'PUT', path, headers);

/** Send `bytes`, end our side (FIN), and read everything until the server closes. */
function sendAndEnd(port: number, bytes: Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    s.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    s.on('error', () => undefined);
    s.on('close', () => resolve(text));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no close after 10 s; received: ${text}`));
    }, 10_000);
    s.on('close', () => clearTimeout(timer));
    s.on('connect', () => {
      for (const b of bytes) s.write(b);
      s.end();
    });
  });
}

function code(text: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
}

test('a body cut short by the client gets 400 IncompleteBody; nothing is stored, the key takes the next PUT, GC leaves no chunk', { timeout: 60_000 }, async (t) => {
  const gw = await startGateway({ backend: 'local' });
  t.after(() => gw.close());
  await gw.engine.createBucket('trunc', { owner: gw.tenantId });

  const cases: [string, Buffer[]][] = [
    // Inline size, a body of chunks (3 of 1 MiB stored before the end), and chunked framing.
    ['small', [Buffer.from(head(gw, '/trunc/small', { 'content-length': '1000' })), Buffer.alloc(10, 1)]],
    ['large', [Buffer.from(head(gw, '/trunc/large', { 'content-length': String(10 * MiB) })), Buffer.alloc(3 * MiB + 5, 2)]],
    ['chunked', [Buffer.from(head(gw, '/trunc/chunked', { 'transfer-encoding': 'chunked' })), Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 3), Buffer.from('\r\n8000\r\nabc')]],
  ];
  for (const [name, bytes] of cases) {
    const text = await sendAndEnd(gw.port, bytes);
    assert.match(text, /^HTTP\/1\.1 400 /, `${name}: ${text.slice(0, 300)}`);
    assert.equal(code(text), 'IncompleteBody', `${name}: ${text.slice(0, 600)}`);
    await assert.rejects(gw.engine.head({ bucket: 'trunc', key: name }), (e: { code?: string }) => /NO_SUCH_KEY/.test(String(e.code)), `${name}: stored`);
  }

  // No lock or intent left on the keys: the next PUT of each succeeds, and the chunks the cut
  // uploads stored are collectable at once (their intents were dropped).
  for (const [name] of cases) {
    const r = await fetch(`${gw.url}/trunc/${name}`, { method: 'PUT', body: 'ok', headers: signedHeaders(gw, `/trunc/${name}`, 'ok') });
    assert.equal(r.status, 200, `${name}: ${await r.text()}`);
  }
  // The 400 can reach the client before the cut upload's handler has finished unwinding (its last
  // chunk store and the intent drop run on after the parser gave up): collect until the engine has
  // caught up, within a bound (CI saw one file left when GC ran at once).
  let files = -1;
  for (let i = 0; i < 50 && files !== 0; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 100));
    await gw.engine.gc({ graceMs: 0 });
    files = 0;
    for await (const id of gw.backend.chunks.iterate()) files += id ? 1 : 0;
  }
  assert.equal(files, 0, 'chunk files left by the cut uploads after GC');
});

test('headers cut short are still a parse error: 400 BadRequest', { timeout: 30_000 }, async (t) => {
  const gw = await startGateway();
  t.after(() => gw.close());
  const text = await sendAndEnd(gw.port, [Buffer.from('PUT /trunc/x HTTP/1.1\r\nHost: a\r\nContent-Le')]);
  assert.match(text, /^HTTP\/1\.1 400 /);
  assert.equal(code(text), 'BadRequest');
});

function signedHeaders(gw: TestGateway, path: string, body: string): Record<string, string> {
  const s = aws4.sign({ host: new URL(gw.url).host, method: 'PUT', path, body, service: 's3', region: 'us-east-1' }, { accessKeyId: gw.accessKey, secretAccessKey: gw.secretKey });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers ?? {})) if (k.toLowerCase() !== 'host' && k.toLowerCase() !== 'content-length') out[k] = String(v);
  return out;
}
