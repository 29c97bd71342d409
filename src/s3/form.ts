/**
 * A streamed `multipart/form-data` body (PostObject, browser form uploads), parsed with busboy (the
 * parser @fastify/multipart uses). Parts come out one at a time, in order, with back-pressure: the
 * body is read only as fast as the consumer takes the parts — a file part's bytes stay in its stream
 * until the consumer (the engine's put) reads them, so a file is never held whole in memory.
 */
import type { Readable } from 'node:stream';
import busboy, { type Busboy } from 'busboy';
import { S3Errors } from './errors.js';

/** One part of the form: a field's value, or a file part to be read from `stream`. */
export type FormPart =
  | { kind: 'field'; name: string; value: string; truncated: boolean }
  | { kind: 'file'; name: string; filename?: string; mimeType: string; stream: Readable };

/** Largest field value busboy buffers (a part without a filename); larger ones come truncated. */
export const MAX_FORM_FIELD_BYTES = 1024 * 1024;

const ignore = (): void => undefined;

/** Parts parsed ahead of the consumer before the body is read further. */
const QUEUE_AHEAD = 64;

/**
 * The parts of a form body. `next()` answers the next part, or undefined at the end of the form;
 * a body that is not well-formed multipart/form-data → 400 MalformedPOSTRequest. `stop()` ends
 * reading: the rest of the body stays unread (the service discards it or closes the connection).
 */
export class MultipartForm {
  readonly #bb: Busboy;
  readonly #queue: FormPart[] = [];
  #error: Error | undefined;
  #ended = false;
  #stopped = false;
  #wakeConsumer: (() => void) | undefined;
  #wakePump: (() => void) | undefined;
  #onStop: (() => void) | undefined;

  /** Throws MalformedPOSTRequest when `contentType` is not multipart/form-data with a boundary. */
  constructor(body: AsyncIterable<Uint8Array>, contentType: string) {
    try {
      this.#bb = busboy({ headers: { 'content-type': contentType }, defParamCharset: 'utf8', limits: { fieldSize: MAX_FORM_FIELD_BYTES, fieldNameSize: 1024 } });
    } catch (e) {
      throw S3Errors.MalformedPOSTRequest({ cause: e });
    }
    this.#bb.on('field', (name, value, info) => this.#push({ kind: 'field', name, value, truncated: info.valueTruncated }));
    this.#bb.on('file', (name, stream, info) => this.#push({ kind: 'file', name, filename: info.filename, mimeType: info.mimeType, stream }));
    this.#bb.on('error', (e: unknown) => this.#fail(S3Errors.MalformedPOSTRequest({ cause: e })));
    this.#bb.on('close', () => {
      this.#ended = true;
      this.#wake();
    });
    void this.#pump(body);
  }

  /** The next part; undefined once the form has ended. */
  async next(): Promise<FormPart | undefined> {
    for (;;) {
      const part = this.#queue.shift();
      if (part) {
        if (this.#queue.length < QUEUE_AHEAD) this.#wakePump?.();
        return part;
      }
      if (this.#error) throw this.#error;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => { this.#wakeConsumer = resolve; });
    }
  }

  /**
   * The error to answer for `e`, thrown while reading a file part's stream: busboy fails the stream
   * with its own Error when the form breaks inside the part; the form's failure
   * (MalformedPOSTRequest, or the body's own error when the client went away) is the answer then.
   */
  failure(e: unknown): unknown {
    return this.#error ?? e;
  }

  /** Stop reading the body (after an error, or once the consumer has what it needs). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // A file stream nobody reads any more must not hold busboy's write callback.
    for (const p of this.#queue.splice(0)) if (p.kind === 'file') p.stream.resume();
    this.#wakePump?.();
    this.#onStop?.();
  }

  #push(part: FormPart): void {
    // busboy destroys a file stream with the error of a broken body or form; until the consumer
    // iterates it (which sees that error itself), nothing else would listen, and an unheard
    // 'error' would end the process.
    if (part.kind === 'file') part.stream.on('error', ignore);
    // A part without a `name` (busboy gives undefined, its types say string) is no form field:
    // skipped, as Go's mime/multipart Reader.ReadForm skips a part whose FormName is "".
    // Queued, it reached the consumer's name.toLowerCase() and the form was answered 500.
    if (this.#stopped || (part.name as string | undefined) === undefined) {
      if (part.kind === 'file') part.stream.resume();
      return;
    }
    this.#queue.push(part);
    this.#wake();
  }

  #fail(e: Error): void {
    this.#error ??= e;
    this.#wake();
  }

  #wake(): void {
    const w = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    w?.();
  }

  /** Feed the body to busboy as fast as it (and the consumer) take it. */
  async #pump(body: AsyncIterable<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of body) {
        if (this.#stopped) return;
        if (!this.#bb.write(chunk)) await this.#until('drain');
        while (this.#queue.length >= QUEUE_AHEAD && !this.#stopped) await this.#until();
        if (this.#stopped || this.#error) return;
      }
      this.#bb.end();
    } catch (e) {
      // The body broke (client gone, stall timeout): the part being read fails with the same error.
      this.#fail(e as Error);
      this.#bb.destroy(e as Error);
    }
  }

  /**
   * Wait for busboy's `drain` (`event`), or else for the consumer to take queued parts; either way
   * stop() and a parse error end the wait.
   */
  #until(event?: 'drain'): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        if (event) this.#bb.off(event, done);
        this.#bb.off('error', done);
        if (this.#wakePump === done) this.#wakePump = undefined;
        if (this.#onStop === done) this.#onStop = undefined;
        resolve();
      };
      if (event) {
        this.#bb.on(event, done);
        this.#onStop = done;
      } else {
        this.#wakePump = done;
      }
      this.#bb.on('error', done);
    });
  }
}
