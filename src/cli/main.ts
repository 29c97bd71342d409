#!/usr/bin/env node
/**
 * The `ccow` binary (package.json "bin"). Process concerns only: argv, stdout/stderr, exit status
 * and signals; everything else is in program.ts.
 *
 * `ccow serve` takes SIGINT/SIGTERM before anything else happens: the program's modules (fastify,
 * lmdb, the engine…) take 0.5–1 s to load, and a signal in that time took the default action
 * (the process died by the signal, exit 143) instead of the documented clean exit. So this module
 * statically imports nothing that takes time; the program is imported once the handlers are in.
 */
import type { CliIo } from './program.js';

const serveCommand = process.argv[2] === 'serve';
let shuttingDown = false;
let serving = false;
/** The running gateway's graceful shutdown, once `serve` has begun to start it. */
let closeGateway: (() => Promise<void>) | undefined;

/**
 * SIGINT/SIGTERM: graceful shutdown once; a second signal exits at once. Before the gateway began
 * to start (modules loading, argv being parsed) nothing is open and nothing is on disk: exit 0.
 */
function stop(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    process.stderr.write(`ccow: ${signal} again, exiting without waiting\n`);
    process.exit(1);
  }
  shuttingDown = true;
  if (!closeGateway) {
    process.stderr.write(`ccow: ${signal} before the gateway started: shutdown complete (nothing was opened)\n`);
    process.exit(0);
  }
  closeGateway().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`ccow: shutdown failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

// Admin commands keep the default action: they hold no state a signal could leave half-done that
// LMDB's own crash safety does not cover, and a long `ccow gc` is stopped with ^C as before.
if (serveCommand) {
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Called by `serve` with its shutdown, in the same tick as the start begins (program.ts). */
const onServe: CliIo['onServe'] = (close) => {
  serving = true;
  closeGateway = close;
};

const { installLmdbRejectionGuard } = await import('./lmdb-rejections.js');
const { runCli } = await import('./program.js');

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
