/**
 * The digests a put computes in one pass over its body (engine/api.ts `DigestName`): MD5 for the
 * ETag, plus whatever the protocol layer asks for. Used both on the main thread (small bodies) and
 * inside the digest worker (large bodies, so MD5's ~0.7 GB/s does not serialise the put pipeline).
 */
import * as crypto from 'node:crypto';
import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Crc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import type { DigestName } from './api.js';

interface Hasher {
  update(b: Uint8Array): void;
  digest(): Promise<Buffer>;
}

function cryptoHasher(alg: string): Hasher {
  const h: Hash = createHash(alg);
  return { update: (b) => void h.update(b), digest: async () => h.digest() };
}

function crc32Hasher(): Hasher {
  let v = 0;
  return {
    update: (b) => void (v = crc32(b, v)),
    digest: async () => {
      const out = Buffer.allocUnsafe(4);
      out.writeUInt32BE(v >>> 0, 0);
      return out;
    },
  };
}

function crc32cHasher(): Hasher {
  const h = new Crc32c();
  return {
    update: (b) => void h.update(b),
    digest: async () => {
      const out = Buffer.allocUnsafe(4);
      out.writeUInt32BE(h.digest() >>> 0, 0);
      return out;
    },
  };
}

function crc64Hasher(): Hasher {
  const h = new Crc64Nvme();
  return { update: (b) => h.update(b), digest: async () => Buffer.from(await h.digest()) };
}

function hasherOf(name: DigestName): Hasher {
  switch (name) {
    case 'md5':
      return cryptoHasher('md5');
    case 'sha1':
      return cryptoHasher('sha1');
    case 'sha256':
      return cryptoHasher('sha256');
    case 'crc32':
      return crc32Hasher();
    case 'crc32c':
      return crc32cHasher();
    case 'crc64nvme':
      return crc64Hasher();
  }
}

/** A set of running digests; `md5` is always included. */
export class DigestSet {
  readonly #h = new Map<DigestName, Hasher>();

  constructor(names: readonly DigestName[]) {
    this.#h.set('md5', hasherOf('md5'));
    for (const n of names) if (!this.#h.has(n)) this.#h.set(n, hasherOf(n));
  }

  update(b: Uint8Array): void {
    for (const h of this.#h.values()) h.update(b);
  }

  /** Raw digests by name (big-endian for CRCs). */
  async finish(): Promise<Partial<Record<DigestName, Buffer>>> {
    const out: Partial<Record<DigestName, Buffer>> = {};
    for (const [n, h] of this.#h) out[n] = await h.digest();
    return out;
  }
}

/** One digest of a whole stream (e.g. a stored version's data, read chunk by chunk). */
export async function digestOf(name: DigestName, body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const h = hasherOf(name);
  for await (const piece of body) h.update(piece);
  return h.digest();
}

/**
 * MD5 of a whole small body in one call (a put that asked for no other digest): `crypto.hash`
 * (Node ≥ 20.12) makes no Hash object and no stream state, about 20 % less than createHash for a
 * 4 KiB body; older Node 20 releases take createHash.
 */
export function md5Once(b: Uint8Array): Buffer {
  return typeof crypto.hash === 'function' ? crypto.hash('md5', b, 'buffer') : createHash('md5').update(b).digest();
}
