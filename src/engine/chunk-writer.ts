/**
 * Storing payload chunks under an intent with dedup (shared/spec/ccow.md §12, §13):
 *
 *   claim (one MetaStore transaction per batch: present ids are touched and held by the intent;
 *   ids that a plain read finds without a chunk row skip it) → ChunkStore.put of the absent ids
 *   only (several in flight, so the store's group commit batches their fsyncs) → record (one
 *   transaction per batch: chunk rows + intent references).
 *
 * Claims and records of concurrent puts share transactions: one loop drains both queues, so a
 * stream of chunks costs about one metadata commit per batch rather than two per chunk. Between a
 * payload put and its record the id is held under the per-id lock that GC also takes, so GC can never
 * unlink bytes a record is about to point at (§13 "per-id lock").
 */
import { chunkIdHex, type ChunkId } from '../common/index.js';
import type { MetaTx, StorageBackend } from '../storage/contract/index.js';
import type { Clock } from './uvid.js';
import { ChunkKind, ChunkLoc, decodeIntentRecord, encodeIntentRecord, type IntentRecord } from './format/records.js';
import { chunkKey, intentKey } from './keys.js';
import { EngineErrors } from './errors.js';
import type { KeyedLock } from './locks.js';
import { bumpCounters, createChunkRow, holdUnderIntent, touchIfPresent } from './refs.js';
import { mapStorageError, storage } from './storage-errors.js';

/** Largest batch of ids per claim or record transaction (§12: up to 256). */
const BATCH = 256;

/** A writer's intent (§9) as the chunk writer needs it. */
export interface Intent {
  id: Buffer;
  kind: IntentRecord['kind'];
  epoch: number;
  lease: number;
  /** ms of the last record write (0 = never written). */
  renewedAt: number;
  createdAt: number;
  /**
   * Set when this process began dropping the intent (put-intents.ts: its PUT failed, or its lease
   * ran out): its record may still be there for a few transactions, but nothing may join it, and
   * its PUT may not commit (objects.ts putObject).
   */
  dropping?: boolean;
}

/**
 * Write the intent record if it is new or its lease is due for renewal. An intent that existed and
 * is gone (expired, or its upload aborted) is never re-created: what it held may be collected.
 */
export function ensureIntent(tx: MetaTx, intent: Intent, now: number): void {
  const gone = renewIntent(tx, intent, now);
  if (gone) throw gone;
}

/** `ensureIntent` that returns the error instead of throwing (so one writer cannot fail a shared batch). */
export function renewIntent(tx: MetaTx, intent: Intent, now: number): Error | undefined {
  // Being dropped a batch per transaction (put-intents.ts): its writer failed, or must fail since
  // its lease ran out (§9), and members joining meanwhile could keep the drop from ever ending.
  if (intent.dropping) return EngineErrors.UNAVAILABLE('write intent expired');
  if (intent.renewedAt !== 0) {
    const raw = tx.get(intentKey(intent.id));
    // An aborted upload's intent stays until its drain has dropped what it holds (multipart.ts
    // abortUpload): nothing may join it meanwhile, or the drain's last batch could miss it.
    if (raw === undefined || (intent.kind === 'upload' && decodeIntentRecord(raw).abortedAt !== undefined)) {
      return intent.kind === 'upload' ? EngineErrors.NO_SUCH_UPLOAD('the upload is gone') : EngineErrors.UNAVAILABLE('write intent expired');
    }
  }
  if (intent.renewedAt !== 0 && (intent.kind === 'upload' || now - intent.renewedAt < intent.lease / 6)) return undefined;
  const rec: IntentRecord = { kind: intent.kind, epoch: intent.epoch, createdAt: intent.createdAt };
  if (intent.kind === 'put') rec.expiresAt = now + intent.lease;
  tx.put(intentKey(intent.id), encodeIntentRecord(rec));
  intent.renewedAt = now;
  return undefined;
}

interface Job {
  intent: Intent;
  bucketId: Buffer;
  id: ChunkId;
  hex: string;
  bytes: Uint8Array;
  resolve: (stored: boolean) => void;
  reject: (e: unknown) => void;
  release?: () => void;
}

/** Batched claim → put → record pipeline shared by every writer of one engine. */
export class ChunkWriter {
  readonly #backend: StorageBackend;
  readonly #clock: Clock;
  readonly #locks: KeyedLock;
  #claims: Job[] = [];
  #records: Job[] = [];
  #running = false;
  /**
   * Set when stored bytes may have no chunk row (an orphan for the sweep): their row failed to
   * commit, a payload put failed after it may have stored them, or GC removed rows and failed to
   * delete the payloads (gc.ts); the orphan-sweep worker runs soon after, and otherwise only now and
   * then (gc.ts).
   */
  orphansSuspected = false;
  /** Ids whose payload is being put and not yet recorded (the orphan sweep must skip them). */
  readonly inflight = new Map<string, Promise<void>>();
  /** Payload puts issued (tests count dedup through this too). */
  puts = 0;

  constructor(backend: StorageBackend, clock: Clock, locks: KeyedLock) {
    this.#backend = backend;
    this.#clock = clock;
    this.#locks = locks;
  }

  /**
   * Store `bytes` as chunk `id` held by `intent`; resolves true when the payload was written, false
   * when an existing chunk was claimed (dedup). Physical bytes are charged to `bucketId`.
   */
  async store(intent: Intent, bucketId: Buffer, id: ChunkId, bytes: Uint8Array): Promise<boolean> {
    const hex = chunkIdHex(id);
    // The same id already on its way in (repeated data): wait, then claim what it stored.
    const pending = this.inflight.get(hex);
    if (pending) await pending.catch(() => undefined);
    // Only an id that has a chunk row needs the claim transaction (§12 step 1: hold it so GC cannot
    // take it before the commit). An id without one goes straight to the payload put: nothing can
    // collect bytes that have no row (the orphan sweep skips `inflight`), and if a row appears
    // meanwhile the put is idempotent and the record transaction touches that row. This saves one
    // metadata commit per batch of new chunks, i.e. per stored chunk of a large put.
    const absent = !pending && (await storage(this.#backend.meta.get(chunkKey(id)))) === undefined;
    return new Promise<boolean>((resolve, reject) => {
      const job: Job = { intent, bucketId, id, hex, bytes, resolve, reject };
      if (absent) this.#put(job);
      else {
        this.#claims.push(job);
        this.#kick();
      }
    });
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#loop().finally(() => {
      this.#running = false;
      if (this.#claims.length || this.#records.length) this.#kick();
    });
  }

  async #loop(): Promise<void> {
    while (this.#claims.length || this.#records.length) {
      const claims = this.#claims.splice(0, BATCH);
      const records = this.#records.splice(0, BATCH);
      const now = this.#clock.now();
      let outcome: { recorded: (Error | undefined)[]; claimed: (boolean | Error)[] };
      try {
        outcome = await this.#backend.meta.transaction((tx) => ({
          recorded: records.map((r) => this.#record(tx, r, now)),
          claimed: claims.map((c) => this.#claim(tx, c, now)),
        }));
      } catch (e) {
        const err = mapStorageError(e);
        if (records.length) this.orphansSuspected = true;
        for (const r of records) this.#finish(r, err);
        for (const c of claims) c.reject(err);
        continue;
      }
      if (outcome.recorded.some((x) => x !== undefined)) this.orphansSuspected = true;
      records.forEach((r, i) => this.#finish(r, outcome.recorded[i]));
      claims.forEach((c, i) => {
        const o = outcome.claimed[i];
        if (o instanceof Error) c.reject(o);
        else if (o) c.resolve(false);
        else this.#put(c);
      });
    }
  }

  /** true: present and now held (dedup); false: absent, put it; Error: the writer's intent is gone. */
  #claim(tx: MetaTx, c: Job, now: number): boolean | Error {
    const gone = renewIntent(tx, c.intent, now);
    if (gone) return gone;
    const present = touchIfPresent(tx, c.id, ChunkKind.PAYLOAD, now);
    if (present !== true) return present;
    holdUnderIntent(tx, c.intent.id, c.id);
    return true;
  }

  /** Chunk row + intent hold of stored bytes. If the intent is gone the bytes are an orphan (swept). */
  #record(tx: MetaTx, r: Job, now: number): Error | undefined {
    const gone = renewIntent(tx, r.intent, now);
    if (gone) return gone;
    const created = createChunkRow(tx, r.id, ChunkKind.PAYLOAD, ChunkLoc.STORE, r.bytes.length, r.bucketId, now);
    if (created instanceof Error) return created;
    if (created) bumpCounters(tx, r.bucketId, { physicalBytes: r.bytes.length });
    holdUnderIntent(tx, r.intent.id, r.id);
    return undefined;
  }

  #finish(r: Job, err?: unknown): void {
    r.release?.();
    if (err === undefined) r.resolve(true);
    else r.reject(err);
  }

  #put(c: Job): void {
    let done!: () => void;
    const marker = new Promise<void>((res) => (done = res));
    this.inflight.set(c.hex, marker);
    const settle = (): void => {
      if (this.inflight.get(c.hex) === marker) this.inflight.delete(c.hex);
      done();
    };
    const resolve = c.resolve;
    const reject = c.reject;
    c.resolve = (v) => {
      settle();
      resolve(v);
    };
    c.reject = (e) => {
      settle();
      reject(e);
    };
    void (async () => {
      try {
        c.release = await this.#locks.acquire(c.hex);
        this.puts++;
        // `verified`: every id reaching the writer was computed from these bytes by this process
        // (prepareChunk, encodeCm), and ingest does not touch a buffer until its store resolved.
        await this.#backend.chunks.put(c.id, c.bytes, { verified: true });
      } catch (e) {
        // A failed put may have stored the bytes all the same (the local backend: the file renamed
        // into place, then its directory's fsync failed; any store: the acknowledgement lost). Not
        // on NO_SPACE, the refusal of a full disk, which stores nothing and can come for every put
        // while the disk is full (a sweep reads every chunk file); the paced sweep covers the rest.
        const err = mapStorageError(e);
        if (!EngineErrors.NO_SPACE.is(err)) this.orphansSuspected = true;
        this.#finish(c, err);
        return;
      }
      this.#records.push(c);
      this.#kick();
    })();
  }
}
