// The HTTP edge: request ids, output format, errors in the contract's shape,
// JSON bodies, and the API modules mounted under the base path.
import { randomUUID } from 'node:crypto';
import Router, { type RouterMiddleware } from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Refusal } from '../accounts/refusal.js';
import type { ApiModule, Route } from '../api/module.js';
import { responseFor } from './contract.js';
import { contentTypeOf, renderBody, renderError, type Format, type Json } from './render.js';
import { jsonBody } from './request-body.js';

export interface MountedModule {
  path: string;
  module: ApiModule;
}

export interface AppOptions {
  basePath: string;
  bodyLimitBytes: number;
  mounts: MountedModule[];
  log: Logger;
  /** Extra routers served outside the base path (health, metrics, ...). */
  extraRoutes?: Router[];
}

export interface AppState {
  requestId: string;
  format: Format;
  log: Logger;
  /** Set by handlers and the error boundary for the access log. */
  outcome?: string;
}

type AppContext = Koa.ParameterizedContext<AppState>;

/** A caller's X-Request-Id is kept only if it is short and plain (it ends up in logs). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(options: AppOptions): Koa<AppState> {
  const app = new Koa<AppState>();
  app.proxy = false;
  // Errors are answered and logged by the boundary below; keep Koa quiet.
  app.silent = true;

  app.use(async (ctx: AppContext, next) => {
    const given = ctx.get('X-Request-Id');
    ctx.state.requestId = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    ctx.state.log = options.log.child({ requestId: ctx.state.requestId });
    ctx.state.format = 'json';
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      ctx.state.log.info(
        {
          method: ctx.method,
          route: ctx._matchedRoute ?? null,
          status: ctx.status,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          outcome: ctx.state.outcome,
        },
        'request',
      );
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

  const router = new Router<AppState>();
  for (const { path, module } of options.mounts) {
    for (const route of module.routes) {
      const url = `${options.basePath}/${path}${route.path === '' ? '' : `/${route.path}`}`;
      router.register(url, [route.method], [jsonBody(options.bodyLimitBytes), handlerFor(route)]);
    }
  }
  for (const extra of options.extraRoutes ?? []) app.use(extra.routes());
  app.use(router.routes());
  app.use(async (ctx: AppContext, next) => {
    await next();
    // A known path with another method.
    if (ctx.status === 404 && ctx.body === undefined && (ctx.matched as unknown[] | undefined)?.length) {
      throw new Refusal('method_not_allowed', `${ctx.method} is not supported here`);
    }
  });
  return app;
}

function handlerFor(route: Route): RouterMiddleware<AppState> {
  return async (ctx) => {
    const fields =
      route.method === 'GET'
        ? Object.fromEntries(Object.entries(ctx.query).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))
        : (ctx.request.body as Record<string, unknown>);
    const result: Json = await route.handle({
      fields,
      authorization: ctx.get('Authorization') || undefined,
      log: ctx.state.log,
    });
    ctx.status = 200;
    ctx.type = contentTypeOf(ctx.state.format);
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
  return ctx.accepts('application/json', 'application/xml') === 'application/xml' ? 'xml' : 'json';
}
