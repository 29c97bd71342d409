/**
 * Micro-benchmark of the checksum implementations (spec §5.1 asks to benchmark CRC64NVME and pick
 * the CRC32C implementation). Feeds a 16 MiB buffer in 64 KiB pieces, as a streaming upload would,
 * and prints MB/s (10^6 bytes per second). Usage: node dist/bench/checksum-bench.js [MiB] [rounds]
 */
import { createHash } from 'node:crypto';
import { crc32c as awsCrc32c, Crc32c as AwsCrc32c } from '@aws-crypto/crc32c';
import { Crc64Nvme as AwsCrc64Nvme } from '@aws-sdk/crc64-nvme';
import { crc32, crc32Js, crc32c, Crc64Nvme } from '../src/s3/checksum/index.js';

const mib = Number(process.argv[2] ?? 16);
const rounds = Number(process.argv[3] ?? 3);
const data = Buffer.alloc(mib << 20);
for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
const PIECE = 64 * 1024;

type Feed = (piece: Buffer) => void;

function measure(name: string, make: () => { feed: Feed; end: () => void }): void {
  let best = Infinity;
  for (let r = 0; r < rounds + 1; r++) {
    const { feed, end } = make();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < data.length; i += PIECE) feed(data.subarray(i, i + PIECE));
    end();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r > 0) best = Math.min(best, ms); // round 0 warms the JIT
  }
  console.log(`${name.padEnd(38)} ${((data.length / 1e6) / (best / 1000)).toFixed(0).padStart(6)} MB/s`);
}

function crcFn(fn: (d: Uint8Array, prev: number) => number) {
  return () => {
    let c = 0;
    return { feed: (p: Buffer) => { c = fn(p, c); }, end: () => void c };
  };
}

console.log(`node ${process.version}, ${mib} MiB in ${PIECE / 1024} KiB pieces, best of ${rounds}`);
measure('CRC32     node:zlib crc32 (native)', crcFn((d, p) => crc32(d, p)));
measure('CRC32     slice-by-8 JS (fallback)', crcFn((d, p) => crc32Js(d, p)));
measure('CRC32C    slice-by-8 JS (ours)', crcFn((d, p) => crc32c(d, p)));
measure('CRC32C    @aws-crypto/crc32c', () => {
  const h = new AwsCrc32c();
  return { feed: (p) => { h.update(p); }, end: () => void h.digest() };
});
measure('CRC32C    @aws-crypto/crc32c one-shot', crcFn((d) => awsCrc32c(d)));
measure('CRC64NVME slice-by-8 JS (ours)', () => {
  const h = new Crc64Nvme();
  return { feed: (p) => { h.update(p); }, end: () => void h.digest() };
});
measure('CRC64NVME @aws-sdk/crc64-nvme', () => {
  const h = new AwsCrc64Nvme();
  return { feed: (p) => { h.update(p); }, end: () => void h.digest() };
});
for (const alg of ['md5', 'sha1', 'sha256']) {
  measure(`${alg.toUpperCase().padEnd(9)} node:crypto`, () => {
    const h = createHash(alg);
    return { feed: (p) => { h.update(p); }, end: () => void h.digest() };
  });
}
