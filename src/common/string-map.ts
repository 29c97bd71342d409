/**
 * Maps from client-chosen names (user metadata, tags) kept in plain objects, which is what the
 * persisted JSON and every consumer (`Object.entries`, spreads) expect.
 */

/**
 * `m[k] = v` that also stores the key `__proto__`. Plain assignment to `__proto__` hits the
 * Object.prototype accessor (a string value is ignored) and the entry is lost; every other name,
 * `constructor` and `toString` included, creates an own property by assignment already. Spreads,
 * `Object.entries`, `Object.fromEntries` and JSON.parse keep such an own `__proto__` entry.
 */
export function setEntry(m: Record<string, string>, k: string, v: string): void {
  if (k === '__proto__') Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
  else m[k] = v;
}
