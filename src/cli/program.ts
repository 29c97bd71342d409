/**
 * The `ccow` command line (commander 14). Each action resolves to an exit status; `serve` resolves
 * once the gateway is listening and keeps the process alive until a signal shuts it down.
 */
import { Command, Option } from 'commander';
import { compact, fsck, gc, ONLINE_COMMANDS, type OnlineCommand, type StoreAccess } from './admin.js';
import { callAdminSocket } from './admin-socket.js';
import { ConfigError, resolveDataDirs, resolveServeConfig, type ServeFlags } from './config.js';
import { CliError, DataDirInUse } from './compose.js';
import { startGatewayProcess } from './serve.js';
import { packageVersion } from './version.js';

/** Where the program writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Called for `serve` with the shutdown function (main.ts wires SIGINT/SIGTERM). */
  onServe?: (close: () => Promise<void>) => void;
}

const DATA_HELP = 'data dir(s), comma-separated (env CCOW_DATA, default ./data)';

/** Build the program; `setExit` receives each action's exit status. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command()
    .name('ccow')
    .description('ccow-s3: S3-compatible, versioned, content-addressed object gateway')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    // A usage error (unknown flag, a value not among the choices, a missing argument) is one
    // `ccow: …` line like every other mistake, with advice instead of the whole help text.
    .configureOutput({
      writeOut: (s) => io.out(s.trimEnd()),
      writeErr: (s) => io.err(s.trimEnd()),
      outputError: (s, write) => write(`ccow: ${s.trim().replace(/^error: /, '')} (run with --help for usage)`),
    })
    // Before the subcommands are added, so they inherit it: commander otherwise exits the process
    // itself on a subcommand's usage error (status 1, `ccow serve --bogus`), bypassing runCli.
    .exitOverride();

  program
    .command('serve')
    .description('run the S3 gateway')
    .option('--listen <host:port>', 'listen address (env CCOW_LISTEN, default 127.0.0.1:9000)')
    .option('--data <dirs>', DATA_HELP)
    .option('--domain <domain>', 'enable virtual-hosted style {bucket}.{domain} (env CCOW_DOMAIN)')
    .option('--region <region>', 'region the gateway reports (env CCOW_REGION, default us-east-1)')
    .option('--tls-cert <file>', 'PEM certificate; serve HTTPS (env CCOW_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key (env CCOW_TLS_KEY)')
    .addOption(new Option('--durability <mode>', 'strict: fsync before acknowledging; relaxed: sync every second (env CCOW_DURABILITY, default strict)').choices(['strict', 'relaxed']))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env CCOW_LOG_LEVEL, default info)')
    // Each switch has its opposite too, so that a flag overrides the environment both ways (README
    // "Flags override environment variables"): with CCOW_METRICS=0 set (a container's env), there
    // was no flag to turn the metrics back on. The positive form first: commander then gives the
    // option no default, and `explicit` sees only what was typed.
    .option('--trust-proxy-headers', 'use X-Forwarded-Host/-For (behind a reverse proxy; env CCOW_TRUST_PROXY_HEADERS=1)')
    .option('--no-trust-proxy-headers', 'ignore X-Forwarded-* headers (the default)')
    .option('--metrics', 'serve GET /_ccow/metrics (the default)')
    .option('--no-metrics', 'do not serve GET /_ccow/metrics (env CCOW_METRICS=0)')
    .option('--strict-region', 'refuse signatures scoped to a region other than --region (env CCOW_STRICT_REGION=1)')
    .option('--no-strict-region', 'accept signatures scoped to any region (the default)')
    .option('--sigv2', 'accept AWS Signature Version 2 (the default)')
    .option('--no-sigv2', 'refuse AWS Signature Version 2, header and presigned (env CCOW_SIGV2=0)')
    .option('--heap-trim', 'give freed malloc heap back to the OS every 250 ms while busy (glibc; the default)')
    .option('--no-heap-trim', 'do not trim the malloc heap (env CCOW_HEAP_TRIM=0)')
    .action(async (flags: ServeFlags, cmd: Command) => {
      const cfg = resolveServeConfig(explicit(flags, cmd), io.env);
      const started = startGatewayProcess(cfg, io.out);
      // Signal handling is in place before the start (LMDB open, compaction) and its banner: a
      // SIGTERM in between took the default action and killed the process, even one sent after the
      // banner (the handler was installed a tick later). A signal during the start now waits for it
      // and shuts down gracefully.
      io.onServe?.(async () => (await started).close());
      await started;
      setExit(0);
    });

  const user = program.command('user').description('manage users (tenants) and their keys');
  user
    .command('add <name>')
    .description('add a user with its own tenant (or another key of an existing one); prints its keys')
    .option('--access-key <key>', 'use this access key instead of a generated one')
    .option('--secret-key <secret>', 'use this secret instead of a generated one')
    .option('--tenant <id>', 'add the key to this existing tenant (key rotation; buckets of a removed user)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (name: string, o: { accessKey?: string; secretKey?: string; tenant?: string; data?: string }) => {
      setExit(await online(io, resolveDataDirs(o.data, io.env), 'userAdd', [name, { accessKey: o.accessKey, secretKey: o.secretKey, tenant: o.tenant }]));
    });
  user
    .command('ls')
    .description('list users (never prints secrets)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (o: { data?: string }) => setExit(await online(io, resolveDataDirs(o.data, io.env), 'userList', [])));
  user
    .command('rm <accessKey>')
    .description('remove the user with this access key')
    .option('--data <dirs>', DATA_HELP)
    .action(async (accessKey: string, o: { data?: string }) => setExit(await online(io, resolveDataDirs(o.data, io.env), 'userRemove', [accessKey])));

  const snapshot = program.command('snapshot').description('bucket snapshots: read-only point-in-time views, and buckets cloned from them (through the gateway while one holds the data dir)');
  snapshot
    .command('create <bucket> <name>')
    .description('take a snapshot of the bucket as it is now')
    .option('--data <dirs>', DATA_HELP)
    .action(async (bucket: string, name: string, o: { data?: string }) => setExit(await online(io, resolveDataDirs(o.data, io.env), 'snapshotCreate', [bucket, name])));
  snapshot
    .command('ls <bucket>')
    .description("list the bucket's snapshots")
    .option('--data <dirs>', DATA_HELP)
    .action(async (bucket: string, o: { data?: string }) => setExit(await online(io, resolveDataDirs(o.data, io.env), 'snapshotList', [bucket])));
  snapshot
    .command('rm <bucket> <name>')
    .description('remove a snapshot (what only it kept is collected after the hold)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (bucket: string, name: string, o: { data?: string }) => setExit(await online(io, resolveDataDirs(o.data, io.env), 'snapshotRemove', [bucket, name])));
  snapshot
    .command('clone <bucket> <name> <newBucket>')
    .description('make a new bucket of the snapshot\'s view (no data copied)')
    .option('--owner <tenant>', 'tenant id that owns the new bucket (default: the source bucket\'s owner)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (bucket: string, name: string, newBucket: string, o: { owner?: string; data?: string }) =>
      setExit(await online(io, resolveDataDirs(o.data, io.env), 'snapshotClone', [bucket, name, newBucket, o.owner])));

  program
    .command('fsck')
    .description('audit chunks and references; exit 0 only when clean (offline)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (o: { data?: string }) => setExit(await fsck(resolveDataDirs(o.data, io.env), io.out)));

  program
    .command('gc')
    .description('collect unreferenced chunks now (and chunk files a crash left without a record; offline)')
    .option('--grace <seconds>', 'hold period override in seconds (default: the engine hold, 1 h)', parseGrace)
    .option('--data <dirs>', DATA_HELP)
    .action(async (o: { grace?: number; data?: string }) => setExit(await gc(resolveDataDirs(o.data, io.env), o.grace, io.out)));

  program
    .command('compact')
    .description('give the metadata store\'s free pages back to the disk (offline)')
    .option('--scratch <dir>', 'make the copy in this directory on another file system (when the data disks have no room for it)')
    .option('--data <dirs>', DATA_HELP)
    .action(async (o: { scratch?: string; data?: string }) => setExit(await compact(resolveDataDirs(o.data, io.env), o.scratch, io.out)));

  return program;
}

/**
 * Run an online-capable admin command on the data dir, or, when a running gateway holds it, through
 * that gateway's admin socket (admin-socket.ts). Its arguments must survive JSON (they cross the
 * socket): strings, plain objects, undefined options dropped.
 */
async function online(io: CliIo, dataDirs: string[], op: OnlineCommand, args: unknown[]): Promise<number> {
  const fn = ONLINE_COMMANDS[op] as (store: StoreAccess, ...rest: unknown[]) => Promise<number>;
  try {
    return await fn({ dataDirs }, ...args, io.out);
  } catch (e) {
    if (!(e instanceof DataDirInUse)) throw e;
    const code = await callAdminSocket(dataDirs, op, args, io.out);
    if (code === undefined) throw e;
    return code;
  }
}

/**
 * `--grace SECONDS`: digits (with an optional fraction). `Number` made `--grace ''` (a script's
 * unset variable) and `--grace ' '` a grace of 0, collecting every unreferenced chunk at once.
 */
function parseGrace(value: string): number {
  if (!/^\d+(\.\d+)?$/.test(value)) throw new ConfigError(`invalid --grace "${value}": expected a number of seconds >= 0`);
  return Number(value);
}

/**
 * The flags the user actually gave. commander gives a `--no-x` option the value `true` when it is
 * absent, which would hide the environment variable behind it (CCOW_METRICS=0, CCOW_SIGV2=0 had no
 * effect); defaults are config.ts's business, so values that only come from commander's defaults
 * are dropped.
 */
function explicit<T extends object>(flags: T, cmd: Command): T {
  const out = { ...flags };
  for (const name of Object.keys(out)) {
    if (cmd.getOptionValueSource(name) === 'default') delete (out as Record<string, unknown>)[name];
  }
  return out;
}

/**
 * Run the CLI with `argv` (as process.argv). Returns the exit status; configuration mistakes give
 * 2, other failures 1, each with a one-line message instead of a stack trace.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIo): number {
  const err = e as { code?: string; exitCode?: number; message?: string; syscall?: unknown };
  // commander already printed its own usage error (or the help text, exit 0); a usage mistake is a
  // configuration mistake: 2, like the ones config.ts finds (commander says 1).
  if (typeof err.code === 'string' && err.code.startsWith('commander.')) return err.exitCode === 0 ? 0 : 2;
  // A ConfigError thrown by an option parser reaches here wrapped by nothing: same one line.
  if (e instanceof ConfigError) {
    io.err(`ccow: ${e.message}`);
    return 2;
  }
  if (e instanceof CliError) {
    io.err(`ccow: ${e.message}`);
    return e.exitCode;
  }
  // An error of the operating system (a file that cannot be read, …) says all there is to say in
  // its message; a stack trace is kept for what would be a bug.
  if (typeof err.code === 'string' && /^E[A-Z0-9_]+$/.test(err.code) && typeof err.syscall === 'string') {
    io.err(`ccow: ${err.message ?? err.code}`);
    return 1;
  }
  io.err(`ccow: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return 1;
}
