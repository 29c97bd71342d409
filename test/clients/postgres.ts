/**
 * A throw-away PostgreSQL cluster for the client tests that back one up into the gateway
 * (pgbackrest.test.ts, barman-cloud.test.ts). PostgreSQL refuses to run as root: when the tests run
 * as root, the cluster and the backup tool run as the `postgres` user (made by the postgresql
 * package) through setpriv.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run, runOk, type RunResult } from './harness.js';

/** initdb, pg_ctl and psql of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout). */
export async function postgresBin(): Promise<string | undefined> {
  const versions = await readdir('/usr/lib/postgresql').catch(() => [] as string[]);
  for (const v of versions.sort((a, b) => Number(b) - Number(a))) {
    const bin = join('/usr/lib/postgresql', v, 'bin');
    if ((await run(join(bin, 'initdb'), ['--version'], { env: process.env, timeoutMs: 30_000 }).catch(() => undefined))?.code === 0) return bin;
  }
  return undefined;
}

/** uid and gid of `postgres` (null when the user does not exist). */
async function postgresUser(): Promise<{ uid: number; gid: number } | null> {
  const u = await run('id', ['-u', 'postgres'], { env: process.env });
  const g = await run('id', ['-g', 'postgres'], { env: process.env });
  return u.code === 0 && g.code === 0 ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
}

/**
 * Who runs PostgreSQL: the `postgres` user when this process is root (PostgreSQL refuses root),
 * else null (this process's user); or why the test must skip (root, and no `postgres` user).
 */
export async function postgresRunner(): Promise<{ user: { uid: number; gid: number } | null } | { skip: string }> {
  if (process.getuid?.() !== 0) return { user: null };
  const user = await postgresUser();
  return user ? { user } : { skip: 'running as root and no `postgres` user to run PostgreSQL as (the postgresql package makes it)' };
}

/** runOk of a command as `user` (through setpriv) or, when null, as this process's user. */
export function runAs(user: { uid: number; gid: number } | null, env: NodeJS.ProcessEnv, cwd: string): (cmd: string, args: string[]) => Promise<RunResult> {
  return (cmd, args) => runOk(
    user ? 'setpriv' : cmd,
    user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', '--', cmd, ...args] : args,
    { env, cwd });
}
