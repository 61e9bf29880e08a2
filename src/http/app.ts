// The HTTP edge: request ids, the access log and HTTP metrics, CORS, output
// format, errors in the contract's shape, JSON bodies, the API modules
// mounted under the base path, and the operational routes (health,
// readiness, metrics, the OpenAPI document) served without a key.
import { randomUUID } from 'node:crypto';
import cors from '@koa/cors';
import Router, { type Layer, type RouterMiddleware } from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Json } from '../contract/json.js';
import { Refusal } from '../contract/refusal.js';
import type { ApiModule, Route } from '../api/module.js';
import { requestContext, type XmppCall } from './request-context.js';
import { responseFor } from './contract.js';
import { contentTypeOf, renderBody, renderError, type Format } from './render.js';
import { clientAddressResolver, type ClientAddressOf } from './client-address.js';
import { jsonBody } from './request-body.js';

export interface MountedModule {
  path: string;
  module: ApiModule;
}

/** A GET route outside the API modules: no key, no body, a fixed path. */
export interface OpsRoute {
  /** The full path, e.g. /health or /api/openapi.json. */
  path: string;
  /** Successful answers are logged at debug: probes and scrapes would drown the access log. */
  quiet: boolean;
  /** The answer (headers: extra response headers); throwing a Refusal answers in the contract's error shape. */
  handle(): Promise<{ type: string; body: string | Buffer; headers?: Readonly<Record<string, string>> }>;
}

/** Told about every HTTP request (metrics). */
export interface HttpObserver {
  started(): void;
  ended(method: string, route: string, status: number, seconds: number): void;
}

export interface AppOptions {
  basePath: string;
  /** Peers whose X-Forwarded-For names the client (addresses or subnets); default none. */
  trustedProxies?: readonly string[];
  bodyLimitBytes: number;
  mounts: MountedModule[];
  log: Logger;
  ops?: OpsRoute[];
  http?: HttpObserver;
  /** Origins allowed by CORS; undefined: no CORS headers at all. */
  cors?: { allowedOrigins: string[] };
  /** True once shutdown began: answers then carry `Connection: close`. */
  draining?: () => boolean;
}

export interface BridgeApp {
  app: Koa<AppState>;
  /** Every route the app serves, as "METHOD /path" (HEAD, implied by GET, left out). */
  routes: string[];
}

export interface AppState {
  requestId: string;
  format: Format;
  log: Logger;
  /** Set by handlers and the error boundary for the access log. */
  outcome?: string;
}

type AppContext = Koa.ParameterizedContext<AppState>;

interface AccessLine {
  requestId: string;
  method: string;
  route: string | null;
  status: number;
  ms: number;
  outcome: string | undefined;
  xmpp?: XmppCall[];
}

/**
 * ctx.state of every request. The child logger is made only when a handler
 * logs (most requests log just the access line); a getter on a class, not a
 * property defined on each request's object.
 */
class RequestState implements AppState {
  format: Format = 'json';
  outcome?: string;
  #child: Logger | undefined;

  constructor(
    readonly requestId: string,
    readonly root: Logger,
  ) {}

  get log(): Logger {
    return (this.#child ??= this.root.child({ requestId: this.requestId }));
  }
}

/** A caller's X-Request-Id is kept only if it is short and plain (it ends up in logs). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const METHOD_ORDER: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHOD_ORDER);

export function createApp(options: AppOptions): BridgeApp {
  const app = new Koa<AppState>();
  app.proxy = false;
  // Errors are answered and logged by the boundary below; keep Koa quiet.
  app.silent = true;
  const quietPaths = new Set((options.ops ?? []).filter((r) => r.quiet).map((r) => r.path));

  app.use(async (ctx: AppContext, next) => {
    const given = ctx.get('X-Request-Id');
    const requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    const state = new RequestState(requestId, options.log);
    ctx.state = state;
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    const xmpp: XmppCall[] = [];
    options.http?.started();
    try {
      await requestContext.run({ xmpp }, next);
    } finally {
      // Once shutdown began, the connection ends with this answer.
      if (options.draining?.()) ctx.set('Connection', 'close');
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Only the route's pattern, never the URL: a GET's query carries the key.
      const route = routeOf(ctx);
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : 'other';
      const status = ctx.status;
      options.http?.ended(method, route ?? 'unmatched', status, seconds);
      const level = route !== undefined && quietPaths.has(route) && status < 400 ? 'debug' : 'info';
      // The one line per request: built only when its level is logged.
      if (options.log.isLevelEnabled(level)) {
        const line: AccessLine = { requestId, method, route: route ?? null, status, ms: Math.round(seconds * 1e6) / 1e3, outcome: state.outcome };
        if (xmpp.length > 0) line.xmpp = xmpp;
        options.log[level](line, 'request');
      }
    }
  });

  app.use(async (ctx: AppContext, next) => {
    try {
      ctx.state.format = chooseFormat(ctx);
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new Refusal('not_found', `no endpoint at ${ctx.path}`);
      }
    } catch (error) {
      const refusal =
        error instanceof Refusal
          ? error
          : new Refusal('internal_error', `unexpected error; logged with request id ${ctx.state.requestId}`);
      if (!(error instanceof Refusal)) ctx.state.log.error({ err: error }, 'unexpected error');
      const { status, body, headers } = responseFor(refusal);
      ctx.state.outcome = refusal.detail;
      ctx.status = status;
      ctx.set(headers);
      ctx.type = contentTypeOf(ctx.state.format);
      ctx.body = renderError(body.error, body.detail, ctx.state.format);
    }
  });

  if (options.cors) app.use(corsFor(options.cors.allowedOrigins));

  // One router for the operational routes and the API: one match per request.
  const router = new Router<AppState>();
  for (const route of options.ops ?? []) {
    router.get(route.path, async (ctx) => {
      const { type, body, headers } = await route.handle();
      ctx.status = 200;
      ctx.type = type;
      if (headers) ctx.set({ ...headers });
      ctx.body = body;
    });
  }
  const clientAddressOf = clientAddressResolver(options.trustedProxies ?? []);
  for (const { path, module } of options.mounts) {
    for (const route of module.routes) {
      const url = `${options.basePath}/${path}${route.path === '' ? '' : `/${route.path}`}`;
      router.register(url, [route.method], [jsonBody(options.bodyLimitBytes), handlerFor(route, clientAddressOf)]);
    }
  }
  app.use(router.routes());
  app.use(async (ctx: AppContext, next) => {
    await next();
    // A known path with another method.
    const allowed = allowedMethods(ctx);
    if (ctx.status === 404 && ctx.body === undefined && allowed.length > 0) {
      // A 405 must name what the path does accept (RFC 9110 §15.5.6); the boundary keeps headers set here.
      ctx.set('Allow', allowed.join(', '));
      throw new Refusal('method_not_allowed', `${ctx.method} is not supported here`);
    }
  });

  const routes = router.stack.flatMap((layer) =>
    layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path as string}`),
  );
  return { app, routes };
}

/** The matched route's pattern, or the pattern whose path matched under another method. */
function routeOf(ctx: AppContext): string | undefined {
  if (typeof ctx._matchedRoute === 'string') return ctx._matchedRoute;
  const matched = ctx.matched as { path: unknown; methods: string[] }[] | undefined;
  const layer = matched?.find((l) => l.methods.length > 0 && typeof l.path === 'string');
  return layer?.path as string | undefined;
}

/** The methods the routers serve at the requested path (from every layer whose path matched), GET first. */
function allowedMethods(ctx: AppContext): string[] {
  const matched = ctx.matched as Pick<Layer, 'methods'>[] | undefined;
  const methods = new Set((matched ?? []).flatMap((layer) => layer.methods));
  // A stable order, whatever order the routes were registered in; unknown methods last.
  const rank = (method: string) => {
    const at = METHOD_ORDER.indexOf(method);
    return at === -1 ? METHOD_ORDER.length : at;
  };
  return [...methods].sort((a, b) => rank(a) - rank(b));
}

function corsFor(allowedOrigins: string[]) {
  const any = allowedOrigins.includes('*');
  const allowed = new Set(allowedOrigins);
  return cors({
    // '' leaves the response without CORS headers: the browser refuses it.
    origin: (ctx) => (any ? '*' : allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    allowMethods: ['GET', 'HEAD', 'POST'],
    allowHeaders: ['Content-Type', 'Accept', 'Authorization', 'X-Request-Id'],
    // Allow: a browser client can then see what a 405'd path accepts.
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate', 'Allow'],
    maxAge: 600,
    credentials: false,
  });
}

function handlerFor(route: Route, clientAddressOf: ClientAddressOf): RouterMiddleware<AppState> {
  return async (ctx) => {
    const fields =
      route.method === 'GET'
        ? Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))
        : (ctx.request.body as Record<string, unknown>);
    const state = ctx.state;
    const result: Json = await route.handle({
      fields,
      authorization: ctx.get('Authorization') || undefined,
      client: clientAddressOf(ctx.req.socket.remoteAddress, ctx.get('X-Forwarded-For') || undefined),
      // A getter: the request's child logger is made only if the handler logs.
      get log() {
        return state.log;
      },
    });
    ctx.status = 200;
    // The header itself: Koa's type setter looks the value up in its MIME table on every request.
    ctx.set('Content-Type', contentTypeOf(ctx.state.format));
    ctx.body = renderBody(result, ctx.state.format);
  };
}

/** `?format=` decides; else `Accept: application/xml` asks for XML; else JSON. */
function chooseFormat(ctx: AppContext): Format {
  const format = ctx.query.format;
  if (format !== undefined) {
    if (format === 'json' || format === 'xml') return format;
    throw new Refusal('bad_request', 'format must be json or xml');
  }
  // Most callers send no Accept or */* (JSON then): no negotiation needed.
  const accept = ctx.get('Accept');
  if (accept === '' || accept === '*/*' || accept === 'application/json') return 'json';
  return ctx.accepts('application/json', 'application/xml') === 'application/xml' ? 'xml' : 'json';
}
