// Small helpers for the list commands of every back end.

/** How many per-account lookups (user-stats) a list command keeps in flight. */
export const PARALLEL_LOOKUPS = 8;

/** Sorted like ejabberd sorts binaries: by UTF-8 bytes. */
export function byUtf8(values: string[]): string[] {
  return values.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

/** Maps `items` with at most `width` calls in flight, keeping their order. */
export async function inBatches<T, R>(items: readonly T[], width: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return results;
}
