/**
 * The reference ChunkStore (shared/spec/ccow.md §16): a Map from hex id to a private copy of the
 * bytes. `put` verifies the id, as every backend must, so engine bugs that mislabel bytes surface in
 * memory-backed tests too.
 */
import { chunkIdHex, chunkIdOf, compareBytes, parseChunkId, type ChunkId } from '../../common/index.js';
import { StorageErrors, type ChunkStore } from '../contract/index.js';

/** In-memory chunk bytes keyed by id. */
export class MemoryChunkStore implements ChunkStore {
  readonly #chunks = new Map<string, Buffer>();
  readonly #isOpen: () => boolean;
  #bytes = 0;

  constructor(isOpen: () => boolean = () => true) {
    this.#isOpen = isOpen;
  }

  /** Number of chunks stored. */
  get count(): number {
    return this.#chunks.size;
  }

  /** Sum of stored chunk lengths. */
  get bytes(): number {
    return this.#bytes;
  }

  async put(id: ChunkId, bytes: Uint8Array): Promise<void> {
    this.#checkOpen();
    if (compareBytes(chunkIdOf(bytes), id) !== 0) throw StorageErrors.BAD_DIGEST(`chunk bytes do not hash to ${chunkIdHex(id)}`);
    const hex = chunkIdHex(id);
    if (this.#chunks.has(hex)) return;
    this.#chunks.set(hex, Buffer.from(bytes));
    this.#bytes += bytes.length;
  }

  async get(id: ChunkId): Promise<Uint8Array> {
    this.#checkOpen();
    const b = this.#chunks.get(chunkIdHex(id));
    if (!b) throw StorageErrors.CHUNK_MISSING(`chunk ${chunkIdHex(id)} not found`);
    return Buffer.from(b);
  }

  async has(ids: readonly ChunkId[]): Promise<boolean[]> {
    this.#checkOpen();
    return ids.map((id) => this.#chunks.has(chunkIdHex(id)));
  }

  async delete(id: ChunkId): Promise<void> {
    this.#checkOpen();
    const hex = chunkIdHex(id);
    const b = this.#chunks.get(hex);
    if (!b) return;
    this.#chunks.delete(hex);
    this.#bytes -= b.length;
  }

  async *iterate(): AsyncIterable<ChunkId> {
    this.#checkOpen();
    // Ids present when iteration starts; a chunk deleted meanwhile may still be listed (callers
    // such as the orphan sweep re-check under the per-id lock).
    for (const hex of [...this.#chunks.keys()]) yield parseChunkId(hex);
  }

  #checkOpen(): void {
    if (!this.#isOpen()) throw StorageErrors.CLOSED();
  }
}
