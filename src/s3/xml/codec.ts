/**
 * The XML codec core: a safe parser for request bodies and a renderer for response bodies, both on
 * fast-xml-parser (shared/spec/s3-surface.md §1). Shapes live in the sibling files; this file knows
 * no S3 element names.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Errors } from '../errors.js';
import { S3_XML_NS, escapeXml } from './escape.js';

/** Largest request XML body accepted (s3-surface.md §1). */
export const MAX_XML_BODY = 2 * 1024 * 1024;

/** A value the renderer accepts. `undefined`/`null` drop the element; arrays repeat it. */
export type XmlValue = string | number | boolean | Date | undefined | null | XmlObject | XmlSequence | readonly XmlValue[];

/**
 * An element's children in document order. A child whose value is an XmlSequence is spliced in
 * place (its key only documents it), for shapes that interleave element names, such as
 * ListVersionsResult's `Version` / `DeleteMarker`. A key starting with `@` is an attribute of the
 * element (`'@xsi:type': 'CanonicalUser'`).
 */
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

/** Ordered (name, value) children, spliced into the parent element. */
export class XmlSequence {
  constructor(readonly items: readonly (readonly [string, XmlValue])[]) {}
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

// preserveOrder: element order is part of each S3 shape. processEntities:false: every text value is
// pre-escaped by escapeXml, so control characters come out as numeric references, which
// fast-xml-parser's own escaping does not do.
const builder = new XMLBuilder({ processEntities: false, ignoreAttributes: false, suppressEmptyNode: false, preserveOrder: true });

type OrderedNode = Record<string, unknown>;

/**
 * Render `<root xmlns="…">body</root>` with the XML declaration. Dates are ISO 8601 with
 * milliseconds (s3-surface.md §1); strings are escaped by escapeXml.
 *
 * @example renderXml('VersioningConfiguration', { Status: 'Enabled' })
 */
export function renderXml(root: string, body: XmlObject | string, opts: { namespace?: boolean } = {}): string {
  const node = element(root, typeof body === 'string' ? { '#text': body } : body);
  if (opts.namespace !== false) node[':@'] = { '@_xmlns': S3_XML_NS, ...(node[':@'] as object | undefined) };
  return XML_DECL + builder.build([node]);
}

/** One element in fast-xml-parser's preserveOrder form (`'#text'` in `o` is its text). */
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
    const text = scalarText(v);
    out.push({ [name]: text === '' ? [] : [{ '#text': text }] });
  }
}

function scalarText(v: string | number | boolean | Date): string {
  if (typeof v === 'string') return escapeXml(v);
  if (v instanceof Date) return v.toISOString();
  return String(v);
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
      if (!Number.isFinite(cp) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw S3Errors.MalformedXML();
      return String.fromCodePoint(cp);
    }
    const e = PREDEFINED[ref];
    if (e === undefined) throw S3Errors.MalformedXML();
    return e;
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parse a request body and return the element named `root` (namespace prefixes removed).
 * MalformedXML when the body is empty, over the size limit, not UTF-8, not well-formed, carries a
 * DOCTYPE or entity declaration (XXE and billion-laughs defence), or has another root.
 */
export function parseXml(body: Buffer | string, root: string, maxBytes = MAX_XML_BODY): XmlNode {
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  if (size === 0 || size > maxBytes) throw S3Errors.MalformedXML();
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    throw S3Errors.MalformedXML();
  }
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) throw S3Errors.MalformedXML();
  if (XMLValidator.validate(text) !== true) throw S3Errors.MalformedXML();
  let doc: unknown;
  try {
    doc = parser.parse(text);
  } catch (e) {
    throw S3Errors.MalformedXML({ cause: e });
  }
  const top = (doc as Record<string, unknown>)[root];
  if (top === undefined) throw S3Errors.MalformedXML();
  return new XmlNode(top);
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
