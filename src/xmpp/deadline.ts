// A bound on how long a step may take: xmpp.js sets none on connecting (a
// server that never answers the TCP handshake would hold it for minutes).
import { RequestTimeout } from './errors.js';

/** Settles like `promise`, or rejects with RequestTimeout after `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeout(ms)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
