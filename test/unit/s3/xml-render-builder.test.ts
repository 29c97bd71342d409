/**
 * renderXml writes strings directly (src/s3/xml/codec.ts); it used to go through fast-xml-parser's
 * XMLBuilder. This property test keeps the two byte-identical on arbitrary trees, so the golden
 * files of xml-render.test.ts and the real clients keep seeing exactly what they saw before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { renderXml, XmlSequence, type XmlObject, type XmlValue } from '../../../src/s3/xml/codec.js';
import { S3_XML_NS, escapeXml, urlEncodeKey } from '../../../src/s3/xml/escape.js';

// The previous implementation, kept as the oracle.
const builder = new XMLBuilder({ processEntities: false, ignoreAttributes: false, suppressEmptyNode: false, preserveOrder: true });
type OrderedNode = Record<string, unknown>;

function oracle(root: string, body: XmlObject | string, opts: { namespace?: boolean } = {}): string {
  const node = element(root, typeof body === 'string' ? { '#text': body } : body);
  if (opts.namespace !== false) node[':@'] = { '@_xmlns': S3_XML_NS, ...(node[':@'] as object | undefined) };
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + builder.build([node]);
}

function element(name: string, o: XmlObject): OrderedNode {
  const kids: OrderedNode[] = [];
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k.startsWith('@')) {
      if (typeof v === 'string') attrs['@_' + k.slice(1)] = escapeXml(v);
    } else if (k === '#text') {
      if (typeof v === 'string' && v !== '') kids.push({ '#text': escapeXml(v) });
    } else {
      emit(kids, k, v);
    }
  }
  const node: OrderedNode = { [name]: kids };
  if (Object.keys(attrs).length > 0) node[':@'] = attrs;
  return node;
}

function emit(out: OrderedNode[], name: string, v: XmlValue): void {
  if (v === undefined || v === null) return;
  if (v instanceof XmlSequence) {
    for (const [n, x] of v.items) emit(out, n, x);
  } else if (Array.isArray(v)) {
    for (const x of v as readonly XmlValue[]) emit(out, name, x);
  } else if (typeof v === 'object' && !(v instanceof Date)) {
    out.push(element(name, v as XmlObject));
  } else {
    const text = typeof v === 'string' ? escapeXml(v) : v instanceof Date ? `${v.toISOString().slice(0, -5)}.000Z` : String(v); // S3 dates: whole seconds (xmlTime)
    out.push({ [name]: text === '' ? [] : [{ '#text': text }] });
  }
}

const names = fc.constantFrom('Key', 'Size', 'Contents', 'Prefix', 'ETag', 'Owner', 'ID', 'Version');
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"etag"', 'a&b<c>d', '\r\n\t', "it's"));
const scalar: fc.Arbitrary<XmlValue> = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }),
  fc.constant(undefined),
);

const tree = fc.letrec<{ obj: XmlObject; value: XmlValue }>((tie) => ({
  obj: fc.oneof(
    fc.dictionary(names, tie('value'), { maxKeys: 4 }),
    fc.record({ '@xsi:type': fc.constantFrom('CanonicalUser', 'Group'), ID: text }),
    fc.record({ '#text': text }),
  ),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    tie('obj'),
    fc.array(fc.oneof(scalar, tie('obj')), { maxLength: 3 }),
    fc.array(fc.tuple(names, fc.oneof(scalar, tie('obj'))), { maxLength: 3 }).map((items) => new XmlSequence(items)),
  ),
}));

test('renderXml is byte-identical to the fast-xml-parser builder it replaced', () => {
  fc.assert(
    fc.property(tree.obj, fc.boolean(), (body, namespace) => {
      assert.equal(renderXml('Root', body, { namespace }), oracle('Root', body, { namespace }));
    }),
    { numRuns: 2000 },
  );
});

test('renderXml of a text body and of an empty body', () => {
  for (const body of ['', 'us-west-2', 'a&b']) assert.equal(renderXml('LocationConstraint', body), oracle('LocationConstraint', body));
  assert.equal(renderXml('BucketLoggingStatus', {}), oracle('BucketLoggingStatus', {}));
  assert.equal(renderXml('Error', { Code: 'NoSuchKey' }, { namespace: false }), oracle('Error', { Code: 'NoSuchKey' }, { namespace: false }));
});

// The previous, regex-based escapers, kept as oracles.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
function oldEscapeXml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"\u0000-\u001f]/g, (c) => ESCAPES[c] ?? `&#${c.charCodeAt(0)};`);
}
function oldUrlEncodeKey(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9\-_.~/]/.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

const keyLike = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.constantFrom("a b+c/d!e'f(g)h*i~j", '\ud800x', '%2F', 'ключ/键'));

test('escapeXml and urlEncodeKey agree with the regex implementations they replaced', () => {
  fc.assert(fc.property(keyLike, (s) => {
    assert.equal(escapeXml(s), oldEscapeXml(s));
    assert.equal(urlEncodeKey(s), oldUrlEncodeKey(s));
  }), { numRuns: 5000 });
});
