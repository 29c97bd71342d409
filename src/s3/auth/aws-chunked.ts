/**
 * aws-chunked body decoding as a stream (shared/spec/s3-surface.md §2.1): a node:stream Transform
 * and an async-generator form over the same parser. The output is the object's bytes only — the
 * framing never leaks into it.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { AuthError } from './auth-error.js';
import { AwsChunkedParser } from './aws-chunked-parser.js';
import type { AwsChunkedOptions } from './aws-chunked-parser.js';
import { header } from './headers.js';
import type { HeaderBag } from './headers.js';
import type { PayloadMode } from './payload.js';

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Transform that turns an aws-chunked body into the decoded object bytes. Errors are AuthError
 * (`IncompleteBody`, `SignatureDoesNotMatch`, `MalformedTrailerError`) emitted as stream errors.
 * After 'end', `trailers` holds the trailing headers (e.g. `x-amz-checksum-crc32`).
 */
export class AwsChunkedDecoder extends Transform {
  readonly #parser: AwsChunkedParser;
  #trailers: ReadonlyMap<string, string> | undefined;

  constructor(opts: AwsChunkedOptions) {
    super();
    this.#parser = new AwsChunkedParser(opts);
  }

  /** Trailing headers (lower-case names); undefined until the body has been fully decoded. */
  get trailers(): ReadonlyMap<string, string> | undefined {
    return this.#trailers;
  }

  /** Decoded bytes so far. */
  get decodedLength(): number {
    return this.#parser.decodedLength;
  }

  override _transform(chunk: Uint8Array | string, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#parser.write(toBuffer(chunk), (b) => this.push(b));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.#trailers = this.#parser.finish();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/** New decoder (see AwsChunkedDecoder). */
export function createAwsChunkedDecoder(opts: AwsChunkedOptions): AwsChunkedDecoder {
  return new AwsChunkedDecoder(opts);
}

/**
 * Async-generator form: yields decoded pieces of `source`; `onTrailers` receives the trailing
 * headers once the body has ended and checked out.
 */
export async function* decodeAwsChunked(
  source: AsyncIterable<Uint8Array | string>,
  opts: AwsChunkedOptions,
  onTrailers?: (trailers: ReadonlyMap<string, string>) => void,
): AsyncGenerator<Buffer, void, undefined> {
  const parser = new AwsChunkedParser(opts);
  for await (const chunk of source) {
    const out: Buffer[] = [];
    parser.write(toBuffer(chunk), (b) => out.push(b));
    yield* out;
  }
  const trailers = parser.finish();
  onTrailers?.(trailers);
}

/**
 * Remove `aws-chunked` from a Content-Encoding value; the rest is what the object stores
 * (spec §2.1). Undefined when nothing is left. A value without the token comes back as sent
 * (`deflate, gzip` keeps its space).
 */
export function stripAwsChunked(contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined;
  const codings = contentEncoding.split(',').map((s) => s.trim());
  if (!codings.some((s) => s.toLowerCase() === 'aws-chunked')) return contentEncoding;
  const rest = codings.filter((s) => s !== '' && s.toLowerCase() !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

/**
 * Decoder options for an authenticated aws-chunked request: `x-amz-decoded-content-length`
 * (missing → 411 `MissingContentLength`, spec §2.1), `x-amz-trailer`, and the chunk-signing chain
 * of `payload`.
 */
export function awsChunkedOptions(payload: Extract<PayloadMode, { kind: 'aws-chunked' }>, headers: HeaderBag): AwsChunkedOptions {
  const dcl = header(headers, 'x-amz-decoded-content-length')?.trim();
  if (dcl === undefined) throw new AuthError('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  if (!/^\d{1,16}$/.test(dcl) || !Number.isSafeInteger(Number(dcl))) {
    throw new AuthError('InvalidArgument', 'x-amz-decoded-content-length must be a non-negative integer');
  }
  const declared = (header(headers, 'x-amz-trailer') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  return { decodedContentLength: Number(dcl), signing: payload.signing, trailer: payload.trailer, declaredTrailers: declared };
}
