/**
 * Configuration of `ccow serve` and the admin commands: flags override environment variables, which
 * override defaults (shared/spec/README.md §5). Pure: takes the parsed flags and an env object, so
 * the precedence is unit-tested without spawning anything.
 */
import { resolve } from 'node:path';

/** A configuration mistake; the CLI prints the message and exits with status 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Defaults of the spec (README §5). */
export const DEFAULTS = {
  listen: '127.0.0.1:9000',
  data: './data',
  region: 'us-east-1',
  durability: 'strict',
  logLevel: 'info',
} as const;

export type Durability = 'strict' | 'relaxed';

/** Host and port to bind. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Flags of `ccow serve` as commander parsed them (all optional strings / booleans). */
export interface ServeFlags {
  listen?: string;
  data?: string;
  domain?: string;
  region?: string;
  tlsCert?: string;
  tlsKey?: string;
  durability?: string;
  logLevel?: string;
  /** commander's `--no-metrics` sets this to false. */
  metrics?: boolean;
  trustProxyHeaders?: boolean;
  strictRegion?: boolean;
  /** commander's `--no-sigv2` sets this to false. */
  sigv2?: boolean;
  /** commander's `--no-heap-trim` sets this to false. */
  heapTrim?: boolean;
}

/** The resolved configuration of `ccow serve`. */
export interface ServeConfig {
  listen: ListenAddress;
  dataDirs: string[];
  region: string;
  domain?: string;
  tls?: { certFile: string; keyFile: string };
  durability: Durability;
  logLevel: string;
  metrics: boolean;
  /** Behind a reverse proxy: sign-check against X-Forwarded-Host (s3-surface.md §2). */
  trustProxyHeaders: boolean;
  /** `--strict-region`: a signature scoped to another region → AuthorizationHeaderMalformed (§2). */
  strictRegion: boolean;
  /** Accept SigV2 header and presigned auth (§2: on by default, a switch turns it off). */
  allowSigV2: boolean;
  /** Return freed malloc heap to the OS while busy (heap-trim.ts; glibc only). */
  heapTrim: boolean;
  /** Default user's keys from CCOW_ACCESS_KEY / CCOW_SECRET_KEY (both or neither). */
  credentials?: { accessKey: string; secretKey: string };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Flag, then env, then default. An empty environment variable counts as unset (`-e CCOW_DOMAIN=`
 * in a container file); an empty flag is a mistake: `--listen "$PORT"` with PORT unset used to
 * bind the default address, `--tls-cert '' --tls-key ''` served plain HTTP, `--data ''` used
 * ./data, each without a word.
 */
function pick(flag: string | undefined, env: string | undefined, dflt: string, name: string): string;
function pick(flag: string | undefined, env: string | undefined, dflt: undefined, name: string): string | undefined;
function pick(flag: string | undefined, env: string | undefined, dflt: string | undefined, name: string): string | undefined {
  if (flag !== undefined) {
    if (flag.trim() === '') throw new ConfigError(`${name} needs a value (got an empty one)`);
    return flag;
  }
  if (env !== undefined && env !== '') return env;
  return dflt;
}

/** Words an environment switch takes: MinIO's config.ParseBool (1/0, true/false, on/off, any case) plus yes/no. */
const SWITCH_ON = new Set(['1', 'true', 'on', 'yes']);
const SWITCH_OFF = new Set(['0', 'false', 'off', 'no']);

/**
 * A switch from the environment (CCOW_METRICS=0, CCOW_TRUST_PROXY_HEADERS=1, …; the boolean words
 * too, so CCOW_METRICS=true still starts); anything else is a mistake rather than the default
 * (CCOW_METRICS=false left the metrics on).
 */
function envSwitch(env: Env, name: string, dflt: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  if (SWITCH_ON.has(v.toLowerCase())) return true;
  if (SWITCH_OFF.has(v.toLowerCase())) return false;
  throw new ConfigError(`invalid ${name} "${v}": expected 1, true, on, yes (on) or 0, false, off, no (off)`);
}

/** pino's levels (`silent` logs nothing). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A pino level; pino itself threw with a stack trace from inside the logger's constructor. */
export function parseLogLevel(value: string): string {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value;
  throw new ConfigError(`invalid log level "${value}": expected one of ${LOG_LEVELS.join(', ')}`);
}

/**
 * The domain of virtual-hosted style: a host name, lowercased, without a trailing dot. A scheme,
 * a port or a path never matches a Host header's name (the port is compared apart), so such a
 * value only looked accepted. Labels as in RFC 1123 (letters, digits, hyphens; `_` allowed as in
 * MinIO's MINIO_DOMAIN, since private DNS names use it).
 */
export function parseDomain(value: string): string {
  const d = value.toLowerCase().replace(/\.$/, '');
  const label = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
  if (d.length > 253 || !d.split('.').every((l) => label.test(l))) {
    throw new ConfigError(`invalid domain "${value}": expected a host name such as s3.example.com (no scheme, port or path)`);
  }
  return d;
}

/**
 * The region the gateway reports. Signatures carry it in their credential scope
 * (`AK/DATE/REGION/s3/aws4_request`), so a region with a space, a slash or a comma could never be
 * signed for; MinIO checks its region against `^[a-zA-Z][a-zA-Z0-9-_-]+$` (cmd/config-current.go
 * validRegionRegex). Same rule here.
 */
export function parseRegion(value: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9_-]+$/.test(value)) return value;
  throw new ConfigError(`invalid region "${value}": expected letters, digits, '-' or '_' (e.g. us-east-1)`);
}

/**
 * Parse `HOST:PORT` (`[v6]:PORT` for IPv6). A bare `PORT` binds 127.0.0.1, so that nothing becomes
 * reachable from the network by accident.
 */
export function parseListen(value: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value) ?? /^()()(\d{1,5})$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new ConfigError(`invalid listen address "${value}": expected HOST:PORT, e.g. 127.0.0.1:9000 or [::1]:9000`);
  }
  const host = m[1] || m[2] || '127.0.0.1';
  return { host, port };
}

/** Split `DIR[,DIR...]`, dropping empty entries; the same dir twice is a mistake. */
export function parseDataDirs(value: string): string[] {
  const dirs = value.split(',').map((d) => d.trim()).filter((d) => d !== '');
  if (dirs.length === 0) throw new ConfigError(`invalid data dirs "${value}": expected DIR[,DIR...]`);
  const seen = new Set<string>();
  for (const d of dirs) {
    const abs = resolve(d);
    if (seen.has(abs)) throw new ConfigError(`invalid data dirs "${value}": ${d} is given twice`);
    seen.add(abs);
  }
  return dirs;
}

/** `strict` or `relaxed` (ccow.md §13). */
export function parseDurability(value: string): Durability {
  if (value === 'strict' || value === 'relaxed') return value;
  throw new ConfigError(`invalid durability "${value}": expected strict or relaxed`);
}

/**
 * Resolve the data dirs of any command: `--data`, else CCOW_DATA, else ./data.
 */
export function resolveDataDirs(flag: string | undefined, env: Env): string[] {
  return parseDataDirs(pick(flag, env.CCOW_DATA, DEFAULTS.data, '--data'));
}

/**
 * Operator-supplied default credentials (s3-surface.md §2): access key 3–128 printable ASCII
 * characters without spaces, secret 8–128. Both or neither.
 */
export function resolveEnvCredentials(env: Env): { accessKey: string; secretKey: string } | undefined {
  const accessKey = pick(undefined, env.CCOW_ACCESS_KEY, undefined, 'CCOW_ACCESS_KEY');
  const secretKey = pick(undefined, env.CCOW_SECRET_KEY, undefined, 'CCOW_SECRET_KEY');
  if (accessKey === undefined && secretKey === undefined) return undefined;
  if (accessKey === undefined || secretKey === undefined) {
    throw new ConfigError('CCOW_ACCESS_KEY and CCOW_SECRET_KEY must be set together (or neither, to use generated keys)');
  }
  checkAccessKey(accessKey, 'CCOW_ACCESS_KEY');
  checkSecretKey(secretKey, 'CCOW_SECRET_KEY');
  return { accessKey, secretKey };
}

/** Access keys: 3–128 printable ASCII characters, no spaces. */
export function checkAccessKey(key: string, what = 'access key'): void {
  if (!/^[\x21-\x7e]{3,128}$/.test(key)) throw new ConfigError(`${what} must be 3-128 printable ASCII characters without spaces`);
}

/** Secret keys: 8–128 printable ASCII characters, no spaces. */
export function checkSecretKey(key: string, what = 'secret key'): void {
  if (!/^[\x21-\x7e]{8,128}$/.test(key)) throw new ConfigError(`${what} must be 8-128 printable ASCII characters without spaces`);
}

/** Resolve `ccow serve`'s configuration from its flags and the environment. */
export function resolveServeConfig(flags: ServeFlags, env: Env): ServeConfig {
  const certFile = pick(flags.tlsCert, env.CCOW_TLS_CERT, undefined, '--tls-cert');
  const keyFile = pick(flags.tlsKey, env.CCOW_TLS_KEY, undefined, '--tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together (env CCOW_TLS_CERT / CCOW_TLS_KEY)');
  }
  const domain = pick(flags.domain, env.CCOW_DOMAIN, undefined, '--domain');
  const credentials = resolveEnvCredentials(env);
  const cfg: ServeConfig = {
    listen: parseListen(pick(flags.listen, env.CCOW_LISTEN, DEFAULTS.listen, '--listen')),
    dataDirs: resolveDataDirs(flags.data, env),
    region: parseRegion(pick(flags.region, env.CCOW_REGION, DEFAULTS.region, '--region')),
    durability: parseDurability(pick(flags.durability, env.CCOW_DURABILITY, DEFAULTS.durability, '--durability')),
    logLevel: parseLogLevel(pick(flags.logLevel, env.CCOW_LOG_LEVEL, DEFAULTS.logLevel, '--log-level')),
    metrics: flags.metrics ?? envSwitch(env, 'CCOW_METRICS', true),
    trustProxyHeaders: flags.trustProxyHeaders ?? envSwitch(env, 'CCOW_TRUST_PROXY_HEADERS', false),
    strictRegion: flags.strictRegion ?? envSwitch(env, 'CCOW_STRICT_REGION', false),
    allowSigV2: flags.sigv2 ?? envSwitch(env, 'CCOW_SIGV2', true),
    heapTrim: flags.heapTrim ?? envSwitch(env, 'CCOW_HEAP_TRIM', true),
  };
  if (domain !== undefined) cfg.domain = parseDomain(domain);
  if (certFile !== undefined && keyFile !== undefined) cfg.tls = { certFile, keyFile };
  if (credentials) cfg.credentials = credentials;
  return cfg;
}
