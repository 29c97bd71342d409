#!/usr/bin/env node
// The container's HEALTHCHECK (Dockerfile): GET /_ccow/health/ready of the gateway this container
// runs, where its environment puts it: the port of CCOW_LISTEN (default 9000), its host unless it
// is a wildcard (0.0.0.0 and a bare port → 127.0.0.1, :: → ::1), and HTTPS when CCOW_TLS_CERT is
// set (without verifying the certificate: it names the service, not the loopback). A fixed
// http://127.0.0.1:9000 left a container with TLS or another port unhealthy for good.
// Exit status 0 when ready, 1 otherwise. Flags given to `ccow serve` itself (docker run … serve
// --listen …) are not seen here: set CCOW_LISTEN / CCOW_TLS_CERT instead.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const listen = process.env.CCOW_LISTEN || '0.0.0.0:9000';
const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(listen) ?? /^()()(\d{1,5})$/.exec(listen);
if (!m) {
  process.stderr.write(`healthcheck: cannot read CCOW_LISTEN "${listen}"\n`);
  process.exit(1);
}
const host = m[1] !== undefined && m[1] !== '' ? (m[1] === '::' ? '::1' : m[1]) : m[2] && m[2] !== '0.0.0.0' ? m[2] : '127.0.0.1';
const tls = (process.env.CCOW_TLS_CERT ?? '') !== '';
const request = tls ? httpsRequest : httpRequest;
const req = request({ host, port: Number(m[3]), path: '/_ccow/health/ready', method: 'GET', rejectUnauthorized: false, timeout: 5000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => {
  process.stderr.write(`healthcheck: ${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${m[3]}: ${e.message}\n`);
  process.exit(1);
});
req.end();
