/**
 * Shared steps of every writer (put, part upload, multipart complete): stream a body into chunks
 * under an intent, store CMs, build the VM (a failed PUT's intent is dropped by put-intents.ts).
 */
import { chunkIdOf, setEntry, type ChunkId } from '../common/index.js';
import { MAX_META_KEY_BYTES } from '../storage/contract/index.js';
import type { ChecksumAlgorithm, Codec, DigestName, PutDigests, StoredChecksum } from './api.js';
import { ensureIntent, type Intent } from './chunk-writer.js';
import type { CommitVm } from './commit.js';
import type { Core } from './core.js';
import { EngineErrors } from './errors.js';
import { ChunkKind, ChunkLoc } from './format/records.js';
import { CodecId, RefKind, type ChunkRef } from './format/ref.js';
import { encodeVm, type VmMeta } from './format/vm.js';
import { ingest, type IngestOptions, type Ingested } from './ingest.js';
import { blobKey, encodeObjectKey, Referrer, referrer } from './keys.js';
import { addRef, bumpCounters, createChunkRow, holdUnderIntent, touchIfPresent } from './refs.js';
import { GROWS, storage } from './storage-errors.js';
import type { BuiltCm } from './tree.js';

/** Digest name of each checksum algorithm. */
export const DIGEST_OF: Record<ChecksumAlgorithm, DigestName> = {
  CRC32: 'crc32',
  CRC32C: 'crc32c',
  CRC64NVME: 'crc64nvme',
  SHA1: 'sha1',
  SHA256: 'sha256',
};

/** Reject keys the name index cannot hold (empty, or too long for a metadata key once encoded). */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw EngineErrors.INVALID_ARGUMENT('object key must not be empty');
  // bucket prefix (1) + bucket id (16) + encoded key + inverted UVID (16)
  if (1 + 16 + encodeObjectKey(key).length + 16 > MAX_META_KEY_BYTES) throw EngineErrors.INVALID_ARGUMENT('object key too long');
}

/** Body → chunks under `intent`. */
export async function ingestBody(
  core: Core,
  intent: Intent,
  bucketId: Buffer,
  body: AsyncIterable<Uint8Array>,
  o: { chunkSize: number; codec: Codec; digests: readonly DigestName[]; expectedSize?: number; maxSize?: number },
): Promise<Ingested> {
  const opts: IngestOptions = {
    chunkSize: o.chunkSize,
    codec: o.codec,
    inlineMax: core.o.inlineMax,
    digests: o.digests,
    expectedSize: o.expectedSize,
    maxSize: o.maxSize,
    window: core.o.putWindow,
    budget: core.putBudget,
    pool: core.pool,
    buffers: core.buffers,
  };
  return ingest(body, opts, (ref, stored) => core.writer.store(intent, bucketId, ref.id!, stored));
}

/** The stored checksum of `alg` from a put's digests. */
export function checksumFrom(alg: ChecksumAlgorithm | undefined, d: PutDigests): StoredChecksum | undefined {
  if (!alg) return undefined;
  const raw = d[DIGEST_OF[alg] as Exclude<DigestName, 'md5'>];
  if (!raw) return undefined;
  return { algorithm: alg, type: 'FULL_OBJECT', value: raw.toString('base64') };
}

/** Leaf refs of an ingested body: one inline ref, or the stored chunks. */
export function leavesOf(ing: Ingested): ChunkRef[] {
  if (ing.inline === undefined) return ing.leaves;
  if (ing.inline.length === 0) return [];
  return [{ kind: RefKind.INLINE, codec: CodecId.NONE, storedLength: ing.inline.length, offset: 0, length: ing.inline.length, data: ing.inline }];
}

/** Encode a VM and name it. */
export function makeVm(meta: VmMeta, root: ChunkRef[]): CommitVm {
  const bytes = encodeVm({ meta, refs: root });
  return { id: chunkIdOf(bytes), bytes, meta, children: root.filter((r) => r.id !== undefined).map((r) => r.id!) };
}

/** Drop empty maps so equal attributes encode equally. */
export function cleanMap(m: Record<string, string> | undefined, lower = false): Record<string, string> | undefined {
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) setEntry(out, lower ? k.toLowerCase() : k, v);
  return Object.keys(out).length ? out : undefined;
}

/** Writers whose tree has at least this many leaves store their CMs and commit in turn (largeCommitTurn). */
export const LARGE_COMMIT_LEAVES = 128;

/**
 * Wait for the engine's large-commit turn; returns the function that ends it. A writer with
 * `leaves` ≥ LARGE_COMMIT_LEAVES holds the turn from its CM stores to its commit, so such writers
 * commit one at a time; smaller ones (every small put) pass at once and never wait.
 *
 * Why: those transactions write ~3 metadata rows per leaf (a `cm:` reference; dropping the intent
 * drops its reference and membership row), and each write's bookkeeping (the meta store's overlay
 * of writes in flight, lmdb-js's queued instruction) lives until its transaction is durable.
 * Sixteen 1 GiB uploads that end together (s3-bench `--many`) committed 16 × 1,024 leaves at once:
 * their ~50,000 writes were in flight together, lived through several young-generation GCs and
 * were promoted, and the gateway's RSS rose by 32–63 MiB in the last two seconds (V8's heap
 * +18–37 MiB, LMDB's mapped pages +9–15 MiB): the run's peak, against issue #4's 300 MiB bound.
 * In turn that end burst was 25–38 MiB (mean 34 against 46, five runs each; bench/RESULTS.md,
 * session 12).
 */
export async function largeCommitTurn(core: Core, leaves: number): Promise<() => void> {
  return leaves < LARGE_COMMIT_LEAVES ? () => undefined : core.largeCommits.acquire('commit');
}

const CM_BATCH = 64;

/**
 * Store CMs under `intent` (§13 step 3): blob + chunk row + `cm:` references on their children, in
 * batches of one transaction each. A CM that already exists is claimed like a deduplicated chunk.
 */
export async function storeCms(core: Core, intent: Intent, bucketId: Buffer, cms: readonly BuiltCm[]): Promise<void> {
  for (let i = 0; i < cms.length; i += CM_BATCH) {
    const batch = cms.slice(i, i + CM_BATCH);
    await storage(core.backend.meta.transaction((tx) => {
      const now = core.now();
      ensureIntent(tx, intent, now);
      let physical = 0;
      for (const cm of batch) {
        const present = touchIfPresent(tx, cm.id, ChunkKind.CM, now);
        if (present instanceof Error) throw present;
        if (!present) {
          tx.put(blobKey(cm.id), cm.bytes);
          // Absent or a quarantined CM row: no clash left to find.
          createChunkRow(tx, cm.id, ChunkKind.CM, ChunkLoc.BLOB, cm.bytes.length, bucketId, now);
          physical += cm.bytes.length;
          const ref = referrer(Referrer.CM, cm.id);
          for (const c of cm.children) addRef(tx, c, ref);
        }
        holdUnderIntent(tx, intent.id, cm.id);
      }
      if (physical) bumpCounters(tx, bucketId, { physicalBytes: physical });
    }, GROWS));
  }
}

/** Ids referenced by a list of refs (payload and manifest kinds). */
export function idsOf(refs: readonly ChunkRef[]): ChunkId[] {
  return refs.filter((r) => r.id !== undefined).map((r) => r.id!);
}
