/** What every benchmark writes into bench/RESULTS.md: the machine line and the append itself. */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** CPU model and count, memory, kernel and Node version of this machine, as one line. */
export function machineLine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM (${(freemem() / 1024 ** 3).toFixed(1)} free), ${platform()} ${release()}, node ${process.version}`;
}

/** Append `lines` to bench/RESULTS.md (created with its header when missing); returns its path. */
export function appendResults(lines: string[]): string {
  const file = join(process.cwd(), 'bench', 'RESULTS.md');
  if (!existsSync(file)) writeFileSync(file, '# Benchmark results\n\nAppended by the benchmarks (`npm run bench`, …); newest last.\n');
  appendFileSync(file, lines.join('\n'));
  return file;
}
