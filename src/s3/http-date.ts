/**
 * HTTP-date (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete
 * rfc850-date `Sunday, 06-Nov-94 08:49:37 GMT` and asctime-date `Sun Nov  6 08:49:37 1994`, which
 * a recipient must accept. All three are GMT; asctime says so by convention, not by a zone, and
 * `Date.parse` reads a date without a zone as local time, so on a gateway whose TZ is not UTC an
 * asctime If-Modified-Since or Date was off by the zone's offset (issue-4-asctime-date).
 */

/** asctime-date: day name, month, day (space-padded), time, year; no zone. */
const ASCTIME = /^[A-Za-z]{3} [A-Za-z]{3} {1,2}\d{1,2} \d\d:\d\d:\d\d \d{4}$/;

/** Epoch milliseconds of an HTTP date (NaN when `Date.parse` cannot read it; other forms it reads keep their meaning). */
export function parseHttpDate(value: string): number {
  const v = value.trim();
  return Date.parse(ASCTIME.test(v) ? `${v} GMT` : v);
}
