/**
 * The built `ccow` binary as a child process, for the black-box CLI tests: a command run to its
 * end (`runCli`), and `ccow serve` waited for until its banner says it listens (`serveCli`).
 *
 * @example
 * const gw = await serveCli(['--listen', '127.0.0.1:0', '--data', dir], { env: cleanEnv(), t });
 * const r = await runCli(['user', 'ls', '--data', dir], { env: cleanEnv() });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI next to the compiled tests (dist/ or a private out dir alike). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** The first banner line, complete: `ccow-s3 listening on <url>  access key: …` (group 1: the URL). */
const LISTENING = /listening on (\S+)[^\n]*\n/;

/** Environment without the caller's CCOW_* settings, with CCOW_LOG_LEVEL=warn, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CCOW_')) env[k] = v;
  return { ...env, CCOW_LOG_LEVEL: 'warn', ...extra };
}

/** What a finished `ccow` process left. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `ccow <args>` to its end. A `serve` that starts listening (in the tests that expect it to
 * stop before, a mistake that went unnoticed) gets SIGTERM at its banner, so the run still ends.
 */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: opts.env ?? cleanEnv(), cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (LISTENING.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `ccow serve` child that has printed its banner. */
export interface ServedCli {
  child: ChildProcess;
  /** The URL the banner names, e.g. `http://127.0.0.1:41237`. */
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM (unless it has exited) and wait; resolves with the exit code. Idempotent. */
  stop: () => Promise<number | null>;
}

/**
 * Spawn `ccow serve <args>` and wait for its banner; rejects with its output if it exits first (or
 * prints no banner in 30 s). With `t`, the child is stopped after the test, then `cleanup` runs
 * (e.g. removing its data dir), whether or not it started.
 */
export async function serveCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; t?: { after: (fn: () => Promise<void>) => void }; cleanup?: () => Promise<void> } = {},
): Promise<ServedCli> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: opts.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  opts.t?.after(async () => {
    await stop();
    await opts.cleanup?.();
  });
  const url = await bannerUrl(child, exited, LISTENING, () => out, () => `stdout: ${out}\nstderr: ${err}`);
  return { child, url, stdout: () => out, stderr: () => err, stop };
}

/**
 * The URL (group 1 of `banner`) once `text()` shows the banner: rejects with `output()` when the
 * child exits first or prints no banner in 30 s.
 */
export function bannerUrl(child: ChildProcess, exited: Promise<number | null>, banner: RegExp, text: () => string, output: () => string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ccow serve: no banner after 30 s\n${output()}`)), 30_000);
    const check = (): void => {
      const m = banner.exec(text());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ccow serve exited (${code}) before listening\n${output()}`));
    });
  });
}
