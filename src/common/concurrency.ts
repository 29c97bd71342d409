/**
 * Bounded concurrency for loops of independent awaits.
 */

/**
 * Run `fn` over `items` with at most `limit` calls in flight. Once a call fails no new one starts;
 * the calls already running are awaited (settled, whatever their outcome) before the first error
 * is thrown, so a caller that cleans up after a failure never races a call still writing.
 * Durable writes issued this way share group commits instead of paying one commit cycle each.
 */
export async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const i = next++;
      try {
        await fn(items[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed.error;
}
