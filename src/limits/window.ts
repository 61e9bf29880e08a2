// A limit of `max` per fixed window of `windowSeconds`: what the
// configuration's `limits.failed_logins.*` say and what the counters count.
export interface WindowLimit {
  max: number;
  windowSeconds: number;
}
