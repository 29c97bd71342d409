/**
 * Main-thread side of the XML worker (xml-worker.ts): one worker per process, started on the first
 * large body and shared by every request (fast-xml-parser keeps no state between documents). Jobs
 * are multiplexed by id and parsed one at a time; the texts waiting for it are request bodies the
 * S3 service's admission has already counted (maxInflightBodyBytes), so the queue needs no bound
 * of its own. The worker holds the process open only while a job is pending, and ends after
 * IDLE_MS without one: a parsing worker holds 30–90 MiB of RSS (its own V8 heap; 10 MiB bare),
 * given back when it ends; the next large body starts a new one (~30 ms, off the event loop).
 */
import { Worker } from 'node:worker_threads';
import { S3Errors } from '../errors.js';
import type { FromXmlWorker, ToXmlWorker } from './xml-worker.js';

/** A worker with no job for this long ends. */
const IDLE_MS = 10_000;

interface Job {
  resolve(doc: unknown): void;
  reject(e: Error): void;
}

class XmlWorker {
  readonly #w: Worker;
  readonly #jobs = new Map<number, Job>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  dead = false;

  constructor() {
    this.#w = new Worker(new URL('./xml-worker.js', import.meta.url));
    this.#w.unref();
    this.#w.on('message', (m: FromXmlWorker) => this.#onMessage(m));
    this.#w.on('error', (e) => this.#die(e));
    this.#w.on('exit', (code) => this.#die(new Error(`XML worker exited with code ${code}`)));
  }

  parse(text: string): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject });
      if (this.#jobs.size === 1) {
        clearTimeout(this.#idle);
        this.#w.ref();
      }
      this.#w.postMessage({ id, text } satisfies ToXmlWorker);
    });
  }

  #onMessage(m: FromXmlWorker): void {
    const job = this.#jobs.get(m.id);
    if (!job) return;
    this.#jobs.delete(m.id);
    if (this.#jobs.size === 0) {
      this.#w.unref();
      this.#idle = setTimeout(() => this.#end(), IDLE_MS);
      this.#idle.unref();
    }
    if ('doc' in m) job.resolve(m.doc);
    else if ('malformed' in m) job.reject(m.cause === undefined ? S3Errors.MalformedXML() : S3Errors.MalformedXML({ cause: new Error(m.cause) }));
    else job.reject(new Error(`XML worker: ${m.error}`));
  }

  /** Idle for IDLE_MS: end the worker (the next job starts another). */
  #end(): void {
    this.dead = true;
    void this.#w.terminate();
  }

  /** The worker failed (out of memory, say): its jobs fail (500 InternalError), the next job starts a new one. */
  #die(e: Error): void {
    this.dead = true;
    clearTimeout(this.#idle);
    for (const job of this.#jobs.values()) job.reject(e);
    this.#jobs.clear();
  }
}

let current: XmlWorker | undefined;

/** Validate and parse `text` in the XML worker: codec.ts parseDocument's outcome, off the event loop. */
export function parseInWorker(text: string): Promise<unknown> {
  if (!current || current.dead) current = new XmlWorker();
  return current.parse(text);
}
