// What an API module is: like mod_restful's `process_rest`, a module mounted
// under a path segment serves a few routes below it. Handlers receive the
// request's fields and answer a JSON value, or throw a Refusal.
import type { Logger } from 'pino';
import type { Json } from '../contract/json.js';

export interface RouteInput {
  /** The JSON body's members (POST) or the query parameters (GET). */
  fields: Record<string, unknown>;
  /** The Authorization header, for modules that accept HTTP credentials. */
  authorization: string | undefined;
  /** The caller's address (the peer, or a trusted proxy's X-Forwarded-For), for limits per client. */
  client: string;
  log: Logger;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Below the mount: '' for the mount itself, or one segment such as 'register'. */
  path: string;
  summary: string;
  handle(input: RouteInput): Promise<Json>;
}

export interface ApiModule {
  routes: Route[];
}
