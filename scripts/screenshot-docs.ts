// Takes the README's screenshot of the API page (docs/api-page.png): a
// throwaway ejabberd, a bridge in front of it, and Debian's chromium
// (scripts/install-browser) showing <base_path>/docs with a register call
// filled in and executed. Run by hand after changing the page, as root:
//
//   npx tsx scripts/screenshot-docs.ts [out.png]
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { startBridge } from '../src/bridge.js';
import { resolveConfig } from '../src/config/load.js';
import { startEjabberd } from '../test/harness/ejabberd.js';
import { createLogger } from '../src/log.js';

const out = path.resolve(process.argv[2] ?? 'docs/api-page.png');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The bridge is throwaway and on loopback; a readable key shows where the page put it (in the curl line).
const key = 'key-typed-into-authorize';

const server = await startEjabberd();
try {
  const config = await resolveConfig(
    {
      listen: { host: '127.0.0.1', port: 0 },
      xmpp: { service: server.service, jid: server.adminJid, password: server.adminPassword },
      hosts: server.hosts,
      api: [
        { path: 'register', module: 'register', key },
        { path: 'admin', module: 'admin', key, allowed_commands: ['registered_users', 'check_account'] },
      ],
      // The throwaway ejabberd is not behind mod_fail2ban's ban; no need for the guard (or its warning).
      limits: { failed_logins: { server_guard: 'off' } },
      log: { level: 'warn' },
    },
    { env: {}, baseDir: process.cwd() },
  );
  const bridge = await startBridge(config, createLogger(config.log.level));
  // As root, chromium runs only without its sandbox.
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.setViewport({ width: 1280, height: 1500 });
    await page.goto(`${bridge.url}/docs`);
    // The key, typed into Authorize as a person would.
    const scheme = (rest: string) => `::-p-xpath(//div[contains(@class, "auth-container")][.//h4/code[text()="register_key"]]${rest})`;
    await page.locator('.scheme-container button.authorize').click();
    await page.locator(scheme('//input')).fill(key);
    await page.locator(scheme('//button[@aria-label="Apply credentials"]')).click();
    await page.locator('.modal-ux .close-modal').click();
    await page.waitForSelector('.modal-ux', { hidden: true });
    // A registration, filled in and executed.
    const root = '#operations-register-register_register';
    await page.locator(`${root} .opblock-summary-control`).click();
    await page.locator(`${root} .try-out__btn`).click();
    await page.locator(`${root} textarea.body-param__text`).click();
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.sendCharacter(
      JSON.stringify({ key: '<key>', username: 'alice', host: server.host, password: 's3cret' }, null, 2),
    );
    await page.locator(`${root} button.execute`).click();
    await page.waitForSelector(`${root} .live-responses-table tr.response`);
    // From the top of the page to the answer (in page coordinates, whatever the scroll position).
    const bottom = await page.evaluate(
      `document.querySelector('${root} .live-responses-table').getBoundingClientRect().bottom + window.scrollY`,
    );
    const height = Math.ceil((typeof bottom === 'number' ? bottom : 1500) + 24);
    await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height }, captureBeyondViewport: true });
    process.stdout.write(`wrote ${out} (1280x${height})\n`);
  } finally {
    await browser.close();
    await bridge.close(1000);
  }
} finally {
  await server.stop();
}
