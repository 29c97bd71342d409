/**
 * Worker thread that runs the serial digests (MD5 and friends) of large puts, so the main thread
 * only cuts, hashes (BLAKE3) and stores chunks. A chunk arrives as a view of shared memory (read in
 * place while the main thread stores it) or as a transferred copy. Messages of one job are processed
 * in order; every `data` message is acknowledged, in order, so the sender can bound its backlog and
 * reuse the memory.
 */
import { parentPort } from 'node:worker_threads';
import type { DigestName } from './api.js';
import { DigestSet } from './hashers.js';

/** Messages to the worker. */
export type ToWorker =
  | { op: 'start'; id: number; names: DigestName[] }
  | { op: 'data'; id: number; buf: ArrayBufferLike; off: number; len: number }
  | { op: 'end'; id: number }
  | { op: 'abort'; id: number };

/** Messages from the worker. */
export type FromWorker =
  | { op: 'ack'; id: number }
  | { op: 'done'; id: number; digests: Partial<Record<DigestName, Uint8Array>> }
  | { op: 'error'; id: number; message: string };

const jobs = new Map<number, DigestSet>();
const port = parentPort;

if (port) {
  port.on('message', (m: ToWorker) => {
    try {
      if (m.op === 'start') jobs.set(m.id, new DigestSet(m.names));
      else if (m.op === 'data') {
        jobs.get(m.id)?.update(new Uint8Array(m.buf, m.off, m.len));
        port.postMessage({ op: 'ack', id: m.id } satisfies FromWorker);
      } else if (m.op === 'end') {
        const set = jobs.get(m.id);
        jobs.delete(m.id);
        if (!set) throw new Error(`digest job ${m.id} unknown`);
        set.finish().then(
          (digests) => port.postMessage({ op: 'done', id: m.id, digests } satisfies FromWorker),
          (e: unknown) => port.postMessage({ op: 'error', id: m.id, message: String(e) } satisfies FromWorker),
        );
      } else jobs.delete(m.id);
    } catch (e) {
      port.postMessage({ op: 'error', id: m.id, message: String(e) } satisfies FromWorker);
    }
  });
}
