// The API page (<base_path>/docs) in a real browser: Debian's chromium
// (scripts/install-browser), headless, driven by puppeteer-core, against a
// real bridge process in front of a real ejabberd. A person's steps: open the
// page, type the key into Authorize, fill in a call, execute it, read the
// answer. Synchronised on page events and selectors, never on sleeps.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect } from 'chai';
import puppeteer, { type Browser, type HTTPRequest, type Page } from 'puppeteer-core';
import { startEjabberd, type ThrowawayEjabberd } from '../harness/ejabberd.js';
import { startBridgeProcess, suiteCapture, type BridgeProcess } from '../support/bridge-process.js';
import { freePort } from '../harness/local.js';
import { bridgeConfig, canLogIn, KEY, uniqueName } from '../support/fixtures.js';

const HOST = 'localhost';
/** Debian's chromium (scripts/install-browser); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** How long a page step may take before the test says which one hung (mocha's own limit is 60 s). */
const STEP_MS = 20_000;

type OpenApi = { paths: Record<string, Record<string, unknown>> };

/** The bridge's Content-Security-Policy as directive -> sources. */
function directives(csp: string | null): Map<string, string[]> {
  const parsed = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) parsed.set(name, sources);
  }
  return parsed;
}

/** The text of the first element matching `selector` (a string evaluated in the page: this project's TypeScript has no DOM types). */
async function textOf(page: Page, selector: string): Promise<string> {
  const text = await page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent`);
  if (typeof text !== 'string') throw new Error(`nothing matches ${selector}`);
  return text.trim();
}

/** An XPath (puppeteer's ::-p-xpath) to an element inside the Authorize dialog's section of one security scheme. */
const inScheme = (scheme: string, rest: string) =>
  `::-p-xpath(//div[contains(@class, "auth-container")][.//h4/code[text()="${scheme}"]]${rest})`;

interface PageVisit {
  page: Page;
  /** Every request the page made, in order. */
  requests: HTTPRequest[];
  /** Uncaught errors in the page. */
  errors: string[];
}

describe('API page (docs)', function () {
  let server: ThrowawayEjabberd;
  let bridge: BridgeProcess;
  let browser: Browser;
  const adminKey = `admin-key-${uniqueName()}`;

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: run ./scripts/install-browser (or set CHROMIUM_PATH)`);
    server = await startEjabberd();
    const base = bridgeConfig(server);
    bridge = await startBridgeProcess({
      ...base,
      api: [
        ...(base.api as unknown[]),
        { path: 'admin', module: 'admin', key: adminKey, allowed_commands: ['registered_users', 'check_account'] },
        { path: 'basic-admin', module: 'admin', allowed_commands: ['registered_users'] },
      ],
    });
    // As root, chromium runs only without its sandbox.
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  after(async function () {
    await browser?.close();
    await bridge?.stop();
    await server?.stop();
  });

  /** Opens the page with every request and CSP violation recorded, once swagger-ui has drawn the operations. */
  async function visit(): Promise<PageVisit> {
    const page = await browser.newPage();
    page.setDefaultTimeout(STEP_MS);
    await page.setViewport({ width: 1280, height: 1000 });
    const requests: HTTPRequest[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request));
    page.on('pageerror', (error) => errors.push(String(error)));
    // Recorded in the page from its first script on: a blocked load or inline script would show here.
    await page.evaluateOnNewDocument(
      "window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));",
    );
    const answer = await page.goto(`${bridge.url}/docs`);
    expect(answer?.status()).to.equal(200);
    await page.waitForSelector('.opblock');
    return { page, requests, errors };
  }

  /** Nothing left the bridge's origin, nothing was blocked, no key was kept anywhere. */
  async function expectSelfContained({ page, requests, errors }: PageVisit): Promise<void> {
    const elsewhere = requests.map((r) => r.url()).filter((url) => !url.startsWith('data:') && new URL(url).origin !== bridge.origin);
    expect(elsewhere, 'requests to another origin').to.deep.equal([]);
    expect(await page.evaluate('window.cspViolations'), 'CSP violations').to.deep.equal([]);
    expect(errors, 'errors in the page').to.deep.equal([]);
    expect(await page.evaluate('localStorage.length + sessionStorage.length'), 'web storage entries').to.equal(0);
    expect(await page.evaluate('document.cookie')).to.equal('');
    expect(page.url()).to.not.include(KEY);
  }

  /** Types `key` into the Authorize dialog for `scheme`, as a person would, and closes the dialog. */
  async function authorize(page: Page, scheme: string, key: string): Promise<void> {
    await page.locator('.scheme-container button.authorize').click();
    await page.type(inScheme(scheme, '//input'), key);
    await page.locator(inScheme(scheme, '//button[@aria-label="Apply credentials"]')).click();
    // Swagger-ui swaps the input for a Logout button once the key is taken.
    await page.waitForSelector(inScheme(scheme, '//button[@aria-label="Remove authorization"]'));
    await page.locator('.modal-ux .close-modal').click();
    await page.waitForSelector('.modal-ux', { hidden: true });
  }

  /** Replaces the text of the field at `selector` with `text`, as a person would. (Locators wait until what they act on is there, visible and still.) */
  async function retype(page: Page, selector: string, text: string): Promise<void> {
    await page.locator(selector).click();
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.press('Backspace');
    // As if pasted: one input event (typing key by key re-renders the whole page each time).
    await page.keyboard.sendCharacter(text);
    // Leaving the field makes swagger-ui take the value at once (its inputs debounce otherwise).
    await page.keyboard.press('Tab');
  }

  /** Opens an operation, switches it to "Try it out", and answers its root selector. */
  async function tryOut(page: Page, operationId: string, tag: string): Promise<string> {
    const root = `#operations-${tag}-${operationId}`;
    await page.locator(`${root} .opblock-summary-control`).click();
    await page.locator(`${root} .try-out__btn`).click();
    await page.waitForSelector(`${root} button.execute`);
    return root;
  }

  /** Executes the operation and answers the status and body the page shows. */
  async function execute(page: Page, root: string): Promise<{ status: string; body: string }> {
    await page.locator(`${root} button.execute`).click();
    const answer = `${root} .live-responses-table tr.response`;
    await page.waitForSelector(answer);
    return { status: await textOf(page, `${answer} .response-col_status`), body: await textOf(page, `${answer} .response-col_description pre`) };
  }

  it('serves the page and only its allow-listed files, from the package, with a strict CSP and caching headers', async function () {
    const page = await fetch(`${bridge.url}/docs`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).to.equal('no-cache');
    const html = await page.text();
    // No inline script or style: every script has a src, and nothing refers outside the bridge.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).to.be.greaterThan(0);
    for (const [, attributes = '', content = ''] of scripts) {
      expect(attributes).to.match(/\ssrc="/);
      expect(content.trim()).to.equal('');
    }
    expect(html).to.not.match(/<style|\sstyle=|\son[a-z]+=/i);
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '').filter((url) => !url.startsWith('data:'));
    for (const url of files) expect(url, url).to.match(/^\/api\//);

    const assets = files.filter((url) => url.startsWith('/api/docs/'));
    expect(assets.map((url) => url.split('?')[0]).sort()).to.deep.equal(
      ['/api/docs/init.js', '/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui.css'],
    );
    for (const reply of [page, ...(await Promise.all(assets.map((url) => fetch(`${bridge.origin}${url}`))))]) {
      const csp = directives(reply.headers.get('content-security-policy'));
      expect(csp.get('default-src')).to.deep.equal(["'none'"]);
      expect(csp.get('script-src')).to.deep.equal(["'self'"]);
      expect(csp.get('style-src')).to.deep.equal(["'self'"]);
      expect(csp.get('connect-src')).to.deep.equal(["'self'"]);
      expect(csp.get('frame-ancestors')).to.deep.equal(["'none'"]);
      expect(reply.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(reply.headers.get('referrer-policy')).to.equal('no-referrer');
    }
    const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
    for (const [name, type] of [
      ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
      ['swagger-ui.css', 'text/css; charset=utf-8'],
      ['init.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const url = assets.find((u) => u.startsWith(`/api/docs/${name}?v=`));
      const reply = await fetch(`${bridge.origin}${url}`);
      expect(reply.status, name).to.equal(200);
      expect(reply.headers.get('content-type'), name).to.equal(type);
      // The page names each file with a digest of its content: a cached copy is never stale.
      expect(reply.headers.get('cache-control'), name).to.equal('public, max-age=31536000, immutable');
      const body = Buffer.from(await reply.arrayBuffer());
      if (name !== 'init.js') expect(body.equals(readFileSync(path.join(dist, name))), `${name} is the package's own file`).to.equal(true);
    }
    // The rest of the package is not served.
    for (const name of ['index.html', 'swagger-initializer.js', 'swagger-ui-bundle.js.map', 'swagger-ui.js', 'package.json', 'oauth2-redirect.html', '..%2Fpackage.json']) {
      expect((await fetch(`${bridge.url}/docs/${name}`)).status, name).to.equal(404);
    }
  });

  it('lists every route the bridge serves, with the contract error statuses of each operation', async function () {
    const visit_ = await visit();
    const { page } = visit_;
    const shown = (await page.evaluate(
      "[...document.querySelectorAll('.opblock')].map((op) => `${op.querySelector('.opblock-summary-method').textContent} ${op.querySelector('.opblock-summary-path').dataset.path}`)",
    )) as string[];
    const served = (await bridge.waitForLog('listening')).routes as string[];
    expect([...shown].sort()).to.deep.equal([...served].sort());
    // Every mount of both modules, and the page itself.
    expect(shown).to.include.members([
      'POST /api/register/register',
      'GET /api/signup/is_registered',
      'POST /api/open/force_change_password',
      'POST /api/admin',
      'POST /api/basic-admin',
      'GET /api/docs',
    ]);

    const root = '#operations-register-register_register';
    await page.locator(`${root} .opblock-summary-control`).click();
    await page.waitForSelector(`${root} .responses-table tr.response`);
    const statuses = (await page.evaluate(
      `[...document.querySelectorAll('${root} .responses-table:not(.live-responses-table) tr.response')].map((row) => row.dataset.code)`,
    )) as string[];
    expect(statuses).to.include.members(['200', '400', '401', '403', '409', '413', '415', '429', '500', '501', '502', '503', '504']);
    // The request body is shown with its example, the key as a placeholder, never a key.
    const example = await textOf(page, `${root} .body-param__example`);
    expect(JSON.parse(example)).to.include({ key: '<key>', host: HOST });
    expect(example).to.not.include(KEY);
    await expectSelfContained(visit_);
    await page.close();
  });

  it('registers an account from the page with the key typed into Authorize once', async function () {
    const visit_ = await visit();
    const { page, requests } = visit_;
    const username = uniqueName('page');
    const password = `pw-${uniqueName()}`;
    suiteCapture.secrets.add(password);

    await authorize(page, 'register_key', KEY);
    const root = await tryOut(page, 'register_register', 'register');
    // The body keeps the placeholder: the page puts the key typed into Authorize in its place.
    await retype(page, `${root} textarea.body-param__text`, JSON.stringify({ key: '<key>', username, host: HOST, password }));
    const answer = await execute(page, root);
    expect(answer).to.deep.equal({ status: '200', body: '"ok"' });
    expect(await canLogIn(server, username, password), 'the account exists in ejabberd').to.equal(true);

    const sent = requests.filter((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/register/register');
    expect(sent).to.have.length(1);
    expect(JSON.parse(sent[0]?.postData() ?? '{}')).to.deep.equal({ key: KEY, username, host: HOST, password });
    expect(sent[0]?.url()).to.not.include(KEY);

    // The same key, typed once, serves the mount's GET, in the query.
    const check = await tryOut(page, 'register_is_registered', 'register');
    await retype(page, `${check} tr[data-param-name="username"] input`, username);
    expect(await execute(page, check)).to.deep.equal({ status: '200', body: 'true' });
    const query = requests.find((r) => new URL(r.url()).pathname === '/api/register/is_registered');
    expect(new URL(query?.url() ?? 'http://x').searchParams.get('key')).to.equal(KEY);

    await expectSelfContained(visit_);
    // Neither the key nor the password reached the bridge's log.
    await bridge.logSettled();
    const log = bridge.output.join('\n');
    expect(log).to.not.include(KEY);
    expect(log).to.not.include(password);
    await page.close();
  });

  it('answers 401 from the page when no key was typed (the placeholder is not a key)', async function () {
    const visit_ = await visit();
    const { page } = visit_;
    const root = await tryOut(page, 'admin_command', 'admin');
    expect(await execute(page, root)).to.deep.equal({ status: '401', body: JSON.stringify({ error: 'not_allowed' }, null, 2) });
    await expectSelfContained(visit_);
    await page.close();
  });

  describe('with docs.enabled: false', function () {
    let bare: BridgeProcess;

    before(async function () {
      // Nothing here needs XMPP: a server that is not there will do.
      bare = await startBridgeProcess(
        {
          xmpp: { service: `xmpp://127.0.0.1:${await freePort()}`, jid: 'admin@localhost', password: 'unused-password' },
          hosts: [HOST],
          api: [{ path: 'register', module: 'register', key: KEY }],
          docs: { enabled: false },
        },
        { waitForXmpp: false },
      );
    });

    after(async function () {
      await bare?.stop();
    });

    it('serves no page and no file, and the document lists none', async function () {
      for (const target of ['/api/docs', '/api/docs/swagger-ui-bundle.js', '/api/docs/init.js']) {
        const reply = await bare.get(target);
        expect(reply.status, target).to.equal(404);
        expect(reply.json, target).to.deep.equal({ error: 'not_found' });
      }
      const doc = (await bare.get('/api/openapi.json')).json as OpenApi;
      expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/docs'))).to.deep.equal([]);
      const routes = (await bare.waitForLog('listening')).routes as string[];
      expect(routes.filter((r) => r.includes('/docs'))).to.deep.equal([]);
    });
  });
});
