/**
 * Incremental aws-chunked parser (shared/spec/s3-surface.md §2.1; AWS "Signature Calculations for
 * the Authorization Header: Transferring Payload in Multiple Chunks"). Framing:
 *
 *   <hex-size>[;chunk-signature=<sig>]\r\n <size bytes> \r\n  …  0[;chunk-signature=<sig>]\r\n <trailer>
 *
 * Memory is bounded: a chunk header line is buffered up to 4 KiB and the trailer up to 16 KiB;
 * chunk data is passed on as it arrives (slices of the input, no copy) and never accumulated, so
 * any chunk size works. Signed forms hash each chunk while it streams and verify its signature as
 * soon as its last byte is in; consumers must not commit before the stream ends without error.
 */
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { AuthError, SIGNATURE_MISMATCH } from './auth-error.js';
import { parseTrailer } from './aws-chunked-trailer.js';
import type { ChunkSigning } from './payload.js';
import { EMPTY_SHA256, safeEqual, sign } from './signing.js';

/** Longest chunk header line accepted (spec §2.1). */
export const MAX_CHUNK_HEADER = 4096;
/** Longest trailer section accepted. */
export const MAX_TRAILER = 16 * 1024;

/** How to decode one body. */
export interface AwsChunkedOptions {
  /** `x-amz-decoded-content-length`: the decoded size must equal it (`IncompleteBody`). */
  decodedContentLength: number;
  /** Signed forms: the chain context; chunk signatures are then required and verified. */
  signing?: ChunkSigning | undefined;
  /** A trailer section may follow the final chunk (`…-TRAILER` forms). */
  trailer: boolean;
  /** Lower-case trailing header names announced in `x-amz-trailer`. */
  declaredTrailers?: readonly string[];
}

type State = 'header' | 'data' | 'data-end' | 'trailer';

function incomplete(message: string): AuthError {
  return new AuthError('IncompleteBody', message);
}

/** The state machine; `write` feeds raw bytes, `finish` checks the end and returns the trailers. */
export class AwsChunkedParser {
  readonly #opts: AwsChunkedOptions;
  #state: State = 'header';
  readonly #line = Buffer.allocUnsafe(MAX_CHUNK_HEADER);
  #lineLen = 0;
  #remaining = 0;
  #sawCR = false;
  #hash: Hash | undefined;
  #chunkSig = '';
  #prevSig: string;
  readonly #trailer: Buffer[] = [];
  #trailerLen = 0;
  /** Decoded bytes passed on so far. */
  decodedLength = 0;
  /** Chunks seen, including the final 0-length one. */
  chunkCount = 0;

  constructor(opts: AwsChunkedOptions) {
    this.#opts = opts;
    this.#prevSig = opts.signing?.seedSignature ?? '';
  }

  /** Consume raw body bytes; decoded data goes to `emit` (slices of `buf`). Throws AuthError. */
  write(buf: Buffer, emit: (data: Buffer) => void): void {
    let i = 0;
    while (i < buf.length) {
      switch (this.#state) {
        case 'header': i = this.#readHeader(buf, i); break;
        case 'data': i = this.#readData(buf, i, emit); break;
        case 'data-end': i = this.#readDataEnd(buf, i); break;
        case 'trailer': this.#readTrailer(buf.subarray(i)); i = buf.length; break;
      }
    }
  }

  /** The body ended: check completeness and parse the trailer. Returns trailing headers. */
  finish(): Map<string, string> {
    if (this.#state !== 'trailer') throw incomplete('The request body terminated unexpectedly');
    if (this.decodedLength !== this.#opts.decodedContentLength) {
      throw incomplete(`You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${this.decodedLength} of ${this.#opts.decodedContentLength}).`);
    }
    const raw = Buffer.concat(this.#trailer);
    const text = raw.toString('latin1');
    if (!this.#opts.trailer) {
      // Nothing, or the closing CRLF (AWS sends it; tolerate its absence, not a part of it).
      if (text !== '' && !/^\r?\n$/.test(text)) throw incomplete('Unexpected data after the final chunk');
      return new Map();
    }
    // A trailer section ends with an empty line; without it the body was cut short.
    if (text.trim() !== '' && !/\n\r?\n$/.test(text)) throw incomplete('The request body terminated unexpectedly in the trailer');
    const signing = this.#opts.signing ? { ctx: this.#opts.signing, previousSignature: this.#prevSig } : undefined;
    return parseTrailer(raw, { declared: this.#opts.declaredTrailers ?? [], signing });
  }

  #readHeader(buf: Buffer, i: number): number {
    const nl = buf.indexOf(10, i);
    const end = nl < 0 ? buf.length : nl;
    if (this.#lineLen + (end - i) > MAX_CHUNK_HEADER) throw incomplete('aws-chunked chunk header too long');
    buf.copy(this.#line, this.#lineLen, i, end);
    this.#lineLen += end - i;
    if (nl < 0) return buf.length;
    let len = this.#lineLen;
    if (len > 0 && this.#line[len - 1] === 13) len--;
    this.#lineLen = 0;
    this.#onHeaderLine(this.#line.toString('latin1', 0, len));
    return nl + 1;
  }

  #onHeaderLine(line: string): void {
    const m = /^([0-9a-fA-F]{1,16})((?:;[^;]*)*)$/.exec(line);
    if (!m) throw incomplete('Malformed aws-chunked chunk header');
    const size = parseInt(m[1]!, 16);
    if (!Number.isSafeInteger(size) || this.decodedLength + size > this.#opts.decodedContentLength) {
      throw incomplete('aws-chunked chunk extends beyond x-amz-decoded-content-length');
    }
    this.#chunkSig = '';
    for (const ext of m[2]!.split(';').slice(1)) {
      const eq = ext.indexOf('=');
      if (eq > 0 && ext.slice(0, eq).trim() === 'chunk-signature') this.#chunkSig = ext.slice(eq + 1).trim();
    }
    if (this.#opts.signing && !/^[0-9a-f]{64}$/.test(this.#chunkSig)) throw incomplete('Missing or malformed chunk-signature');
    this.chunkCount++;
    if (size === 0) {
      this.#verifyChunk(EMPTY_SHA256);
      this.#state = 'trailer';
      return;
    }
    this.#remaining = size;
    this.#hash = this.#opts.signing ? createHash('sha256') : undefined;
    this.#state = 'data';
  }

  #readData(buf: Buffer, i: number, emit: (data: Buffer) => void): number {
    const n = Math.min(this.#remaining, buf.length - i);
    const piece = buf.subarray(i, i + n);
    this.#hash?.update(piece);
    this.#remaining -= n;
    this.decodedLength += n;
    emit(piece);
    if (this.#remaining === 0) {
      if (this.#hash) this.#verifyChunk(this.#hash.digest('hex'));
      this.#hash = undefined;
      this.#state = 'data-end';
      this.#sawCR = false;
    }
    return i + n;
  }

  // After chunk data: CRLF (a bare LF is tolerated, like the header lines).
  #readDataEnd(buf: Buffer, i: number): number {
    const b = buf[i]!;
    if (b === 13 && !this.#sawCR) this.#sawCR = true;
    else if (b === 10) this.#state = 'header';
    else throw incomplete('aws-chunked chunk data not followed by CRLF');
    return i + 1;
  }

  #readTrailer(rest: Buffer): void {
    this.#trailerLen += rest.length;
    if (this.#trailerLen > MAX_TRAILER) throw new AuthError('MalformedTrailerError', 'The trailing headers are too large');
    this.#trailer.push(Buffer.from(rest)); // copy: tiny, and the input buffer may be reused
  }

  #verifyChunk(payloadHashHex: string): void {
    const s = this.#opts.signing;
    if (!s) return;
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.#prevSig}\n${EMPTY_SHA256}\n${payloadHashHex}`;
    if (!safeEqual(sign(s.signingKey, sts), this.#chunkSig)) {
      throw new AuthError('SignatureDoesNotMatch', SIGNATURE_MISMATCH, { StringToSign: sts });
    }
    this.#prevSig = this.#chunkSig;
  }
}
