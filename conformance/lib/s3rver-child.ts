/**
 * Child-process entry for the s3rver target (conformance/lib/targets.ts): serves the directory
 * given as the first argument on 127.0.0.1 at a free port and prints `port=N` on stdout.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface S3rverServer {
  /** Resolves with the listening server's address. */
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverServer;

// s3rver is CommonJS without types; load it through require.
// s3rver lets some filesystem errors escape its request handling (e.g. ENAMETOOLONG on a long key
// emitted by a write stream); keep serving the other cases — that request just never answers.
process.on('uncaughtException', (e) => {
  process.stderr.write(`s3rver: uncaught ${e.message.slice(0, 200)}\n`);
});
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor;
const dir = process.argv[2];
if (!dir) throw new Error('usage: s3rver-child <directory>');
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
const addr = await server.run();
process.stdout.write(`port=${addr.port}\n`);
const stop = (): void => {
  server.close().then(() => process.exit(0), () => process.exit(1));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
