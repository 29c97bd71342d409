/**
 * The XML codec core: a safe parser for request bodies (fast-xml-parser) and a renderer for response
 * bodies (shared/spec/s3-surface.md §1). Shapes live in the sibling files; this file knows no S3
 * element names.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Errors } from '../errors.js';
import { S3_XML_NS, escapeXml } from './escape.js';
import { parseInWorker } from './xml-pool.js';

/** Largest request XML body accepted (s3-surface.md §1). */
export const MAX_XML_BODY = 2 * 1024 * 1024;

/**
 * Largest body of the small configuration documents: Tagging (AWS: at most 50 tags on a bucket,
 * 10 on an object, keys ≤ 128 and values ≤ 256 Unicode characters), VersioningConfiguration,
 * RequestPaymentConfiguration and CreateBucketConfiguration (a location, and at most the same 50
 * tags). The largest legitimate such document, every character written as a 10-character numeric
 * reference (`&#1114111;`), is about 195 KB; 2 MiB let a hostile body of empty elements hold the
 * single XML worker ~0.8 s and the event loop up to ~40 ms (decoding the result). AWS documents no
 * byte limit for these; an over-long body gets MalformedXML, as over MAX_XML_BODY (MinIO reads such
 * bodies through a LimitReader and answers MalformedXML; Ceph RGW caps them at
 * rgw_max_put_param_size, 1 MiB).
 */
export const MAX_SMALL_XML_BODY = 256 * 1024;

/** A value the renderer accepts. `undefined`/`null` drop the element; arrays repeat it. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlObject | XmlSequence | XmlRaw | readonly XmlValue[];

/**
 * An element's children in document order. A child whose value is an XmlSequence is spliced in
 * place (its key only documents it), for shapes that interleave element names, such as
 * ListVersionsResult's `Version` / `DeleteMarker`. A key starting with `@` is an attribute of the
 * element (`'@xsi:type': 'CanonicalUser'`).
 */
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

/**
 * Elements already rendered (their own tags included; every text in them escaped by the maker),
 * for the repeated elements of listing pages, where a hand-written template costs a fraction of
 * the generic walk. A Buffer holds UTF-8 bytes (a whole page's `Contents`, written straight into
 * one buffer). The key it appears under only documents it.
 */
export class XmlRaw {
  constructor(readonly xml: string | Buffer) {}
}

/** Ordered (name, value) children, spliced into the parent element. */
export class XmlSequence {
  constructor(readonly items: readonly (readonly [string, XmlValue])[]) {}
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/**
 * Render `<root xmlns="…">body</root>` with the XML declaration. Dates are ISO 8601 with
 * milliseconds (s3-surface.md §1); strings are escaped by escapeXml.
 *
 * Written straight to a string: fast-xml-parser's builder (which produced this exact output before;
 * test/unit/s3/xml-render-builder.test.ts keeps checking the two agree) validates every name and
 * tracks paths through a matcher, which made a 1000-key ListObjectsV2 page cost more CPU than the
 * engine's scan. Every name here is a constant of ours; every text goes through escapeXml.
 *
 * @example renderXml('VersioningConfiguration', { Status: 'Enabled' })
 */
export function renderXml(root: string, body: XmlObject | string, opts: { namespace?: boolean } = {}): string {
  return renderParts(root, body, opts)
    .map((p) => (typeof p === 'string' ? p : p.toString('utf8')))
    .join('');
}

/**
 * renderXml's document as UTF-8 bytes, for large bodies (listing pages). The document is made as
 * one string per child of the root and the pieces are written into one Buffer: a 1000-key page
 * built as one string is a deep rope, and flattening it (Buffer.byteLength, Buffer.from) cost more
 * than rendering it (bench: 2.4–3.5 ms per page against 0.8–1.2 ms).
 */
export function renderXmlBytes(root: string, body: XmlObject | string, opts: { namespace?: boolean } = {}): Buffer {
  const parts = renderParts(root, body, opts);
  // Listings are nearly always ASCII, where UTF-8 bytes = UTF-16 units: size the buffer by the
  // units and write; a part that writes more or fewer bytes than it has units holds non-ASCII
  // text, and then the exact size is counted first. Buffer parts are bytes already.
  let units = 0;
  for (const p of parts) units += p.length;
  const ascii = Buffer.allocUnsafe(units);
  let at = 0;
  for (const p of parts) {
    const n = typeof p === 'string' ? ascii.write(p, at) : p.copy(ascii, at);
    if (n !== p.length) return writeParts(parts);
    at += n;
  }
  return ascii;
}

function writeParts(parts: readonly (string | Buffer)[]): Buffer {
  let n = 0;
  for (const p of parts) n += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  for (const p of parts) at += typeof p === 'string' ? out.write(p, at) : p.copy(out, at);
  return out;
}

/**
 * The document in pieces: declaration and root start tag, each child of the root (arrays item by
 * item), end tag. An XmlRaw of bytes stays a Buffer piece.
 */
function renderParts(root: string, body: XmlObject | string, opts: { namespace?: boolean }): (string | Buffer)[] {
  const o: XmlObject = typeof body === 'string' ? { '#text': body } : body;
  const ns = opts.namespace !== false ? S3_XML_NS : undefined;
  const parts: (string | Buffer)[] = [];
  let attrs = ns === undefined ? '' : ` xmlns="${ns}"`;
  for (const k in o) {
    const v = o[k];
    if (k.charCodeAt(0) === 64 /* @ */ && typeof v === 'string') attrs += attribute(k, v);
  }
  parts.push(`${XML_DECL}<${root}${attrs}>`);
  for (const k in o) {
    const v = o[k];
    if (k.charCodeAt(0) === 64 /* @ */) continue;
    if (k === '#text') {
      if (typeof v === 'string') parts.push(escapeXml(v));
    } else if (v instanceof XmlRaw) {
      parts.push(v.xml);
    } else if (Array.isArray(v)) {
      for (const x of v as readonly XmlValue[]) parts.push(x instanceof XmlRaw ? x.xml : emit(k, x));
    } else if (v instanceof XmlSequence) {
      for (const [n, x] of v.items) parts.push(emit(n, x));
    } else {
      parts.push(emit(k, v));
    }
  }
  parts.push(`</${root}>`);
  return parts;
}

function attribute(k: string, v: string): string {
  return ` ${k.slice(1)}="${escapeXml(v).replace(/'/g, '&apos;')}"`;
}

/** One element; `ns` adds the default namespace as its first attribute (the root only). */
function element(name: string, o: XmlObject, ns?: string): string {
  let attrs = ns === undefined ? '' : ` xmlns="${ns}"`;
  let inner = '';
  for (const k in o) {
    const v = o[k];
    if (k.charCodeAt(0) === 64 /* @ */) {
      if (typeof v === 'string') attrs += attribute(k, v);
    } else if (k === '#text') {
      if (typeof v === 'string') inner += escapeXml(v);
    } else {
      inner += emit(k, v);
    }
  }
  return `<${name}${attrs}>${inner}</${name}>`;
}

/**
 * A date as S3 writes it in XML: ISO 8601 to the whole second (`2009-10-12T17:50:30.000Z`). S3 keeps
 * Last-Modified to the second, so the HTTP `Last-Modified` header (RFC 7231 dates have no fraction)
 * and listings agree; with milliseconds in listings, `aws s3 sync --exact-timestamps` found every
 * downloaded file 0.xxx s off its listed time and fetched it again on every run.
 */
export function xmlTime(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString();
}

function emit(name: string, v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return `<${name}>${escapeXml(v)}</${name}>`;
  if (typeof v === 'number' || typeof v === 'boolean') return `<${name}>${String(v)}</${name}>`;
  if (v instanceof Date) return `<${name}>${xmlTime(v)}</${name}>`;
  if (v instanceof XmlRaw) return typeof v.xml === 'string' ? v.xml : v.xml.toString('utf8');
  if (v instanceof XmlSequence) {
    let out = '';
    for (const [n, x] of v.items) out += emit(n, x);
    return out;
  }
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v as readonly XmlValue[]) out += emit(name, x);
    return out;
  }
  return element(name, v as XmlObject);
}

// ---------------------------------------------------------------------------------------------
// Parsing

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keys and tag values are data: keep them as strings, untrimmed ("0012" and " a " are valid keys).
  parseTagValue: false,
  trimValues: false,
  // No entity processing at all in the parser: DOCTYPE is refused before parsing, and the five
  // predefined entities plus numeric references are decoded by decodeEntities below.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  tagValueProcessor: (_name: string, value: string) => decodeEntities(value),
});

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decode the predefined entities and numeric character references; any other entity is malformed. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw S3Errors.MalformedXML();
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(cp) || !isXmlChar(cp)) throw S3Errors.MalformedXML();
      return String.fromCodePoint(cp);
    }
    // Own names only: `&constructor;` or `&toString;` found Object.prototype's functions and
    // decoded to their source text ("function Object() { [native code] }") instead of failing.
    if (!Object.hasOwn(PREDEFINED, ref)) throw S3Errors.MalformedXML();
    return PREDEFINED[ref]!;
  });
}

/**
 * XML 1.0's Char production (§2.2): tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
 * A character reference to anything else is not well-formed either (WFC: Legal Character).
 */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * A character XML 1.0 does not allow anywhere in a document (control characters but tab, LF and
 * CR; U+FFFE, U+FFFF; an unpaired surrogate, which only a string body can hold). S3 answers
 * MalformedXML to a DeleteObjects naming a key with a raw U+0010 (boto/boto3#2005) and to one
 * with `&#x1;` (basho/riak_cs#974, AWS's answer quoted): fast-xml-parser accepts both, and a
 * PutBucketCors ExposeHeader holding U+0000 was stored and then broke every CORS answer of the
 * bucket with a 500 (Node refuses the header value).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bodies larger than this are parsed in the XML worker (xml-worker.ts). fast-xml-parser's validate
 * and parse cost ~0.1 ms per element and ~0.25 ms per KiB of text on the 2-core test machine: a
 * 10,000-part CompleteMultipartUpload (1 MB) held the event loop 0.3–0.5 s, a 2 MiB body of empty
 * elements over 1 s. Up to 32 KiB a body costs at most ~20 ms in-thread, less than a round trip
 * through the worker is worth.
 */
export const XML_WORKER_MIN_CHARS = 32 * 1024;

/** Size, UTF-8 and DOCTYPE checks of parseXml: the request body as text. */
function bodyText(body: Buffer | string, maxBytes: number): string {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size === 0 || size > maxBytes) throw S3Errors.MalformedXML();
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw S3Errors.MalformedXML();
  }
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) throw S3Errors.MalformedXML();
  if (NOT_XML_CHAR.test(text)) throw S3Errors.MalformedXML();
  return text;
}

/**
 * Validate and parse a document (the part of parseXml that costs; run by the XML worker for large
 * bodies). MalformedXML when it is not well-formed or an entity reference is not one of XML's.
 */
export function parseDocument(text: string): unknown {
  if (XMLValidator.validate(text) !== true) throw S3Errors.MalformedXML();
  try {
    return parser.parse(text);
  } catch (e) {
    throw S3Errors.MalformedXML({ cause: e });
  }
}

function rootNode(doc: unknown, root: string): XmlNode {
  const node = rootIfNamed(doc, root);
  if (!node) throw S3Errors.MalformedXML();
  return node;
}

function rootIfNamed(doc: unknown, root: string): XmlNode | undefined {
  const top = (doc as Record<string, unknown>)[root];
  return top === undefined ? undefined : new XmlNode(top);
}

/**
 * Parse a request body and return the element named `root` (namespace prefixes removed).
 * MalformedXML when the body is empty, over the size limit, not UTF-8, not well-formed, carries a
 * DOCTYPE or entity declaration (XXE and billion-laughs defence), or has another root. Bodies over
 * XML_WORKER_MIN_CHARS characters are parsed in the XML worker, so the event loop keeps serving
 * other requests meanwhile; the outcome is the same either way.
 */
export async function parseXmlAsync(body: Buffer | string, root: string, maxBytes = MAX_XML_BODY): Promise<XmlNode> {
  const text = bodyText(body, maxBytes);
  const doc = text.length > XML_WORKER_MIN_CHARS ? await parseInWorker(text) : parseDocument(text);
  return rootNode(doc, root);
}

/**
 * parseXmlAsync in the calling thread, whatever the size: a 2 MiB body holds the event loop for up
 * to a second, so request bodies go through parseXmlAsync.
 */
export function parseXml(body: Buffer | string, root: string, maxBytes = MAX_XML_BODY): XmlNode {
  return rootNode(parseDocument(bodyText(body, maxBytes)), root);
}

/**
 * parseXml for a body whose root element may have another name: the element named `root`, or
 * undefined when the well-formed document's root is another element (MalformedXML as parseXml
 * for anything that is not a well-formed document).
 */
export function parseXmlIfRoot(body: Buffer | string, root: string, maxBytes = MAX_XML_BODY): XmlNode | undefined {
  return rootIfNamed(parseDocument(bodyText(body, maxBytes)), root);
}

/**
 * A read-only view of one parsed element, with the accessors the shape readers need. Whitespace
 * text between child elements (present because values are not trimmed) is ignored.
 */
export class XmlNode {
  readonly #v: unknown;
  constructor(v: unknown) {
    this.#v = v;
  }

  /** The element's text ('' for an empty element); MalformedXML when it has child elements. */
  text(): string {
    const v = this.#v;
    if (typeof v === 'string') return v;
    if (v === undefined) return '';
    if (isRecord(v) && Object.keys(v).every((k) => k === '#text')) return typeof v['#text'] === 'string' ? v['#text'] : '';
    throw S3Errors.MalformedXML();
  }

  /** Every child element named `name`, in document order. */
  all(name: string): XmlNode[] {
    if (!isRecord(this.#v)) return [];
    const c = this.#v[name];
    if (c === undefined) return [];
    return (Array.isArray(c) ? c : [c]).map((x) => new XmlNode(x));
  }

  /** The single child named `name`; MalformedXML when it occurs more than once. */
  one(name: string): XmlNode | undefined {
    const a = this.all(name);
    if (a.length > 1) throw S3Errors.MalformedXML();
    return a[0];
  }

  /** Text of the single child `name` (undefined when absent). */
  childText(name: string): string | undefined {
    return this.one(name)?.text();
  }

  /** Text of the single child `name`, trimmed (for enumerations, numbers and dates). */
  childToken(name: string): string | undefined {
    return this.childText(name)?.trim();
  }

  /** Names of the child elements present. */
  names(): string[] {
    return isRecord(this.#v) ? Object.keys(this.#v).filter((k) => k !== '#text') : [];
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
