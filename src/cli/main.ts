#!/usr/bin/env node
/**
 * The `ccow` binary (package.json "bin"). Process concerns only: argv, stdout/stderr, exit status
 * and signals; everything else is in program.ts.
 */
import { installLmdbRejectionGuard } from './lmdb-rejections.js';
import { runCli } from './program.js';

let shuttingDown = false;
let serving = false;

/** SIGINT/SIGTERM: graceful shutdown once; a second signal exits at once. */
function onServe(close: () => Promise<void>): void {
  serving = true;
  const stop = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      process.stderr.write(`ccow: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    shuttingDown = true;
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`ccow: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

installLmdbRejectionGuard((line) => process.stderr.write(line + '\n'));

const code = await runCli(process.argv, {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  env: process.env,
  onServe,
});
process.exitCode = code;
// An admin command is done once runCli returns; do not let a leftover handle (a native store's
// thread, a worker) keep the process around. A serving gateway lives until a signal; one that failed
// to start is done too.
if (!serving || code !== 0) setTimeout(() => process.exit(code), 1000).unref();
