/**
 * Worker thread that validates and parses large request XML bodies (codec.ts parseDocument), so
 * the gateway's event loop is not held while fast-xml-parser walks up to 2 MiB of text. Jobs are
 * parsed one at a time, in the order they arrive; each gets exactly one answer.
 */
import { parentPort } from 'node:worker_threads';
import { S3Errors } from '../errors.js';
import { parseDocument } from './codec.js';

/** A job: the body's text (already size-, UTF-8- and DOCTYPE-checked by the main thread). */
export interface ToXmlWorker {
  id: number;
  text: string;
}

/** The parsed document; or MalformedXML (with its cause's message); or another error's message. */
export type FromXmlWorker =
  | { id: number; doc: unknown }
  | { id: number; malformed: true; cause?: string }
  | { id: number; error: string };

const port = parentPort;

if (port) {
  port.on('message', (m: ToXmlWorker) => {
    let answer: FromXmlWorker;
    try {
      answer = { id: m.id, doc: parseDocument(m.text) };
    } catch (e) {
      if (S3Errors.MalformedXML.is(e)) {
        const cause: unknown = e.cause;
        answer = cause instanceof Error ? { id: m.id, malformed: true, cause: cause.message } : { id: m.id, malformed: true };
      } else {
        answer = { id: m.id, error: e instanceof Error ? e.message : String(e) };
      }
    }
    port.postMessage(answer);
  });
}
