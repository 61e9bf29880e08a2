// Reads a POST body as a JSON object. koa-bodyparser ignores other content
// types (the body silently becomes {}), so the type is checked here first,
// and its errors (malformed JSON, over the limit) become contract refusals.
import type { Context, Next } from 'koa';
import bodyParser from 'koa-bodyparser';
import { Refusal } from '../contract/refusal.js';

export function jsonBody(limitBytes: number) {
  const parse: (ctx: Context, next: Next) => Promise<void> = bodyParser({
    enableTypes: ['json'],
    jsonLimit: `${limitBytes}b`,
    strict: true,
  });
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST') {
      await next();
      return;
    }
    // The usual headers skip type-is's parsing (the body parser checks the type once more anyway).
    const type = ctx.req.headers['content-type'];
    if (type !== 'application/json' && type !== 'application/json; charset=utf-8' && !ctx.is('application/json')) {
      throw new Refusal('unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
    }
    try {
      await parse(ctx, () => Promise.resolve());
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 413) throw new Refusal('too_large', `the body is larger than ${limitBytes} bytes`);
      if (status === 415) throw new Refusal('unsupported_media_type', 'the body must be UTF-8 JSON');
      throw new Refusal('bad_request', 'the body is not valid JSON');
    }
    const body: unknown = ctx.request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new Refusal('bad_request', 'the body must be a JSON object');
    }
    await next();
  };
}
