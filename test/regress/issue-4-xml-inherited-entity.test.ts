/**
 * Regression (issue #4): the request-XML entity decoder looked entity names up in a plain object,
 * so `&constructor;`, `&toString;` or `&hasOwnProperty;` found Object.prototype's functions and
 * decoded to their source text: `<Key>&constructor;</Key>` in a DeleteObjects body deleted the key
 * "function Object() { [native code] }". XML defines five entities; S3 answers any other reference
 * with 400 MalformedXML, as the decoder already did for `&foo;`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { S3Error } from '../../src/s3/errors.js';
import { decodeEntities, parseXml, parseXmlAsync, XML_WORKER_MIN_CHARS } from '../../src/s3/xml/codec.js';
import { errorCode, signedGateway } from '../integration/faults/helpers.js';

const INHERITED = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];
const malformed = (e: unknown): boolean => e instanceof S3Error && e.code === 'MalformedXML';

test('an entity named like an Object.prototype member is MalformedXML, in-thread and in the XML worker', async () => {
  for (const name of INHERITED) {
    assert.throws(() => decodeEntities(`a&${name};b`), malformed, name);
    const doc = `<Delete><Object><Key>a&${name};b</Key></Object></Delete>`;
    assert.throws(() => parseXml(doc, 'Delete'), malformed, name);
    const big = doc.replace('<Delete>', `<Delete><!--${'x'.repeat(XML_WORKER_MIN_CHARS)}-->`);
    await assert.rejects(parseXmlAsync(big, 'Delete'), malformed, `${name} (worker)`);
  }
  // The five XML entities still decode.
  assert.equal(decodeEntities('&amp;&lt;&gt;&quot;&apos;'), '&<>"\'');
});

test('DeleteObjects with <Key>&constructor;</Key>: 400 MalformedXML, nothing deleted', async (t) => {
  const { call } = await signedGateway(t);
  const victim = encodeURIComponent('function Object() { [native code] }');
  assert.equal((await call('PUT', '/ent')).status, 200);
  assert.equal((await call('PUT', `/ent/${victim}`, 'x')).status, 200);
  const r = await call('POST', '/ent?delete', '<Delete><Object><Key>&constructor;</Key></Object></Delete>');
  assert.equal(`${r.status} ${errorCode(r.body)}`, '400 MalformedXML');
  assert.equal((await call('HEAD', `/ent/${victim}`)).status, 200);
});
