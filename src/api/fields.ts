// Fields beyond what the route specs decode (./spec.ts): an optional text,
// and text that must be sendable. (The account a user name and host name:
// ../contract/account.ts.) No message ever repeats a field's value.
import { Refusal } from '../contract/refusal.js';
import { SendableText } from './spec.js';

/** An optional string field: undefined when absent or empty. */
export function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Refusal('bad_request', `${name} must be a string`);
  assertSendable(name, value);
  return value;
}

/** Refuses text that cannot travel safely in XML or is too long (../spec.ts SendableText), naming the field. */
export function assertSendable(name: string, value: string): void {
  const decoded = SendableText.decode(value);
  if (decoded._tag === 'Left') throw new Refusal('bad_request', `${name} ${decoded.left[0]?.message ?? 'is not valid'}`);
}
