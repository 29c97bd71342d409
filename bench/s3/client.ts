/**
 * The benchmark's S3 client: undici (a keep-alive Pool per server) with requests signed by aws4
 * (SigV4, header form) and `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the client hashes no
 * payload: it shares the 2 cores with the server under test, and the AWS SDK's middleware stack
 * plus its default CRC32 of every body would cost more than the servers' own work at 4 KiB.
 */
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import aws4 from 'aws4';
import { Pool, type Dispatcher } from 'undici';

/** Keys of one server. */
export interface BenchCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request's inputs. `path` is already percent-encoded (bench keys are plain ASCII). */
export interface BenchRequest {
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE' | 'POST';
  path: string;
  /** Raw query string without `?` (encoded). */
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable | AsyncIterable<Uint8Array>;
  /** Required when `body` is a stream. */
  contentLength?: number;
}

/** A signing HTTP client for one endpoint. */
export class BenchClient {
  readonly #pool: Pool;
  readonly #host: string;
  readonly #creds: BenchCredentials;
  readonly #region: string;
  #scratch = Buffer.allocUnsafe(512 * 1024);

  constructor(readonly endpoint: string, creds: BenchCredentials, opts: { connections?: number; region?: string } = {}) {
    this.#pool = new Pool(endpoint, { connections: opts.connections ?? 16, pipelining: 1, keepAliveTimeout: 30_000 });
    this.#host = new URL(endpoint).host;
    this.#creds = creds;
    this.#region = opts.region ?? 'us-east-1';
  }

  /** Send a request; the caller consumes (or dumps) the response body. */
  async send(r: BenchRequest): Promise<Dispatcher.ResponseData> {
    const path = r.query ? `${r.path}?${r.query}` : r.path;
    const headers: Record<string, string> = { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...r.headers };
    const length = Buffer.isBuffer(r.body) ? r.body.length : r.contentLength;
    if (length !== undefined) headers['Content-Length'] = String(length);
    const signed = aws4.sign({ host: this.#host, path, method: r.method, service: 's3', region: this.#region, headers }, this.#creds);
    return this.#pool.request({ path, method: r.method, headers: signed.headers as Record<string, string>, body: r.body as Dispatcher.DispatchOptions['body'] });
  }

  /** Send, require a 2xx status and discard the body; returns the body length read. */
  async ok(r: BenchRequest): Promise<number> {
    const res = await this.send(r);
    if (res.statusCode >= 300) {
      const text = await res.body.text();
      throw new Error(`${r.method} ${r.path}${r.query ? '?' + r.query : ''} → ${res.statusCode}: ${text.slice(0, 300)}`);
    }
    let n = 0;
    for await (const c of res.body) n += (c as Buffer).length;
    return n;
  }

  /**
   * Send, require a 2xx status, return the body's bytes in a buffer the client reuses: valid until
   * the next `bytes` call. No text decoding (undici's `text()` concatenates, then decodes UTF-8),
   * and no fresh buffer per response: on these VMs the first touch of a fresh page costs ~16 µs
   * (bench/RESULTS.md), so a new 200–300 KB buffer per listing page cost the client ~1 ms.
   */
  async bytes(r: BenchRequest): Promise<Buffer> {
    const res = await this.send(r);
    let n = 0;
    for await (const c of res.body) {
      const piece = c as Buffer;
      if (n + piece.length > this.#scratch.length) {
        const grown = Buffer.allocUnsafe(Math.max(2 * this.#scratch.length, n + piece.length));
        this.#scratch.copy(grown, 0, 0, n);
        this.#scratch = grown;
      }
      n += piece.copy(this.#scratch, n);
    }
    const body = this.#scratch.subarray(0, n);
    if (res.statusCode >= 300) throw new Error(`${r.method} ${r.path} → ${res.statusCode}: ${body.toString('utf8', 0, 300)}`);
    return body;
  }

  /**
   * GET a large body over a socket of its own and count its bytes: a 200 with Content-Length is
   * required. undici's body stream (HTTP parser in WebAssembly, a Readable per response) tops out
   * near 360–430 MB/s on these cores, below what the servers under test send, so the large GET
   * would measure the client; here the client's cost is a `data` event per socket read.
   */
  download(path: string): Promise<number> {
    const headers: Record<string, string> = { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
    const signed = aws4.sign({ host: this.#host, path, method: 'GET', service: 's3', region: this.#region, headers }, this.#creds);
    const url = new URL(this.endpoint);
    const lines = [`GET ${path} HTTP/1.1`, `Host: ${this.#host}`, 'Connection: close'];
    for (const [k, v] of Object.entries(signed.headers as Record<string, string>)) if (k.toLowerCase() !== 'host') lines.push(`${k}: ${v}`);
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      let length = -1;
      let got = 0;
      let settled = false;
      const settle = (e: Error | undefined): void => {
        if (settled) return;
        settled = true;
        sock.destroy();
        if (e) reject(e);
        else resolve(got);
      };
      // One reused read buffer (net `onread`): no fresh 64 KiB Buffer per socket read.
      const onRead = (n: number, buf: Uint8Array): boolean => {
        if (length >= 0) {
          got += n;
        } else {
          head = Buffer.concat([head, buf.subarray(0, n)]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) return true;
          const text = head.subarray(0, end).toString('latin1');
          const status = Number(text.split(' ')[1]);
          const cl = /\r\ncontent-length:\s*(\d+)/i.exec(text);
          if (status !== 200 || !cl) {
            settle(new Error(`GET ${path} → ${text.split('\r\n')[0]}`));
            return false;
          }
          length = Number(cl[1]);
          got = head.length - end - 4;
        }
        if (got >= length) settle(got > length ? new Error(`GET ${path}: ${got} bytes, announced ${length}`) : undefined);
        return true;
      };
      const sock = connect({ port: Number(url.port), host: url.hostname, onread: { buffer: Buffer.allocUnsafe(1024 * 1024), callback: onRead } });
      sock.on('error', (e) => settle(e));
      sock.on('connect', () => sock.write(lines.join('\r\n') + '\r\n\r\n'));
      sock.on('close', () => settle(new Error(`GET ${path}: connection closed after ${got} of ${length} bytes`)));
    });
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
