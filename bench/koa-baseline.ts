// K, the bench's floor: the bridge's HTTP stack (koa, @koa/router,
// koa-bodyparser, in the bridge's order: router, then the body parser as
// route middleware) answering at once what the bridge answers on success,
// with nothing else: no key, no XMPP, no logging, no metrics. Given an
// X-Wait-Ms header (Kd), it waits that long before answering. Run as a
// process of its own (node bench/koa-baseline.js PORT, compiled with the
// bridge) so that its CPU can be read from /proc like the bridge's.
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';

const port = Number(process.argv[2] ?? '0');
const app = new Koa();
app.proxy = false;
app.silent = true;
const router = new Router();
// As src/http/request-body.ts configures it (the bridge's default body limit).
const parse = bodyParser({ enableTypes: ['json'], jsonLimit: `${64 * 1024}b`, strict: true });
router.post('/api/register/register', parse, async (ctx) => {
  // Kd: answers after as long as the bridge takes (its wait on ejabberd), so at the bridge's rate.
  const wait = ctx.get('X-Wait-Ms');
  if (wait !== '') await new Promise((resolve) => setTimeout(resolve, Number(wait)));
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = '"ok"';
});
router.get('/api/register/is_registered', (ctx) => {
  ctx.status = 200;
  ctx.type = 'application/json';
  ctx.body = 'true';
});
app.use(router.routes());
const handle = app.callback();
const server = createServer((req, res) => void handle(req, res));
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
