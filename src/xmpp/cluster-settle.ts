// In a cluster, a node applies another node's registration or password
// change a few ms after that node answered (mnesia; seen 2-4 times in 1,000,
// visible 2-4 ms later). An answer that may only mean "not here yet"
// ("absent", "wrong password") is asked once more before it is believed:
// the one retry of that kind, used by user logins (./user-logins.ts) and the
// ejabberd back end's existence probe.

/** How long a cluster node may take to apply another node's change after that node answered. */
export const CLUSTER_SETTLE_MS = 25;

/** What `ask` answered: its value, or what it threw. */
export type Outcome<T> = { value: T } | { error: unknown };

/**
 * Runs `ask`; when `notYet` says its outcome may be a change not yet applied
 * on the node that answered, waits CLUSTER_SETTLE_MS and asks once more
 * (that second answer stands).
 */
export async function askAgainAfterSettle<T>(ask: () => Promise<T>, notYet: (outcome: Outcome<T>) => boolean): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = { value: await ask() };
  } catch (error) {
    outcome = { error };
  }
  if (!notYet(outcome)) {
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
  await new Promise((resolve) => setTimeout(resolve, CLUSTER_SETTLE_MS));
  return ask();
}
