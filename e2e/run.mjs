// Browser tests of the web application in headless Debian chromium (playwright-core; no browser download).
// Starts `taut serve --demo` on a fresh database, adds an auditor, and walks what a clinician does: sign in,
// find a patient, open a muscle and see its zones, mark pain on the body map and rank trigger points; and what
// a role that may not is shown. Screenshots go to docs/screenshots/. Bounded: every wait has a timeout.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const taut = process.env.TAUT_BIN || join(root, 'target/debug/taut');
const shots = join(root, 'docs/screenshots');
mkdirSync(shots, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'taut-e2e-'));
const database = `sqlite://${join(dir, 'demo.db')}`;
const env = { ...process.env, TAUT_AUDIT_KEY_FILE: join(dir, 'audit.key') };
const port = 18000 + Math.floor(Math.random() * 2000);
const base = `http://127.0.0.1:${port}`;

let failures = 0;
let passes = 0;
async function check(name, fn) {
  try {
    await fn();
    passes++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}: ${e.message}`);
  }
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const keygen = spawnSync(taut, ['audit', 'keygen', '--out', env.TAUT_AUDIT_KEY_FILE], { env });
assert(keygen.status === 0, `audit keygen failed: ${keygen.stderr}`);

// The server, and the demo clinician's password from its first lines.
const server = spawn(taut, ['serve', '--demo', '--database', database, '--listen', `127.0.0.1:${port}`], { env });
let out = '';
server.stdout.on('data', (d) => { out += d; });
server.stderr.on('data', (d) => process.stderr.write(d));
const password = await new Promise((res, rej) => {
  const timer = setTimeout(() => rej(new Error(`server did not start: ${out}`)), 60000);
  server.on('exit', (code) => rej(new Error(`server exited with ${code}: ${out}`)));
  const poll = setInterval(() => {
    const m = out.match(/user: demo-clinician\s+password: (\S+)/);
    if (m && out.includes('taut serving on')) { clearTimeout(timer); clearInterval(poll); res(m[1]); }
  }, 100);
});
const added = spawnSync(taut, ['user', 'add', '--username', 'e2e-auditor', '--role', 'auditor', '--password-stdin',
  '--database', database], { input: 'auditor password 1\n', env });
assert(added.status === 0, `adding the auditor failed: ${added.stderr}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
context.setDefaultTimeout(15000);
const page = await context.newPage();
const cspErrors = [];
page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });

async function signIn(p, user, pass) {
  await p.goto(`${base}/signin`);
  await p.fill('#username', user);
  await p.fill('#password', pass);
  await Promise.all([p.waitForNavigation(), p.click('button[type=submit].primary')]);
}

try {
  await check('a wrong password is refused with a message', async () => {
    await signIn(page, 'demo-clinician', 'not the password');
    assert(await page.isVisible('#signin-error'), 'no error shown');
  });

  await check('the clinician signs in and sees the patient list', async () => {
    await signIn(page, 'demo-clinician', password);
    assert(page.url().endsWith('/patients'), `landed on ${page.url()}`);
    const rows = await page.locator('#patients tbody tr').count();
    assert(rows >= 10, `${rows} patients listed`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'taut_session');
    assert(session && session.httpOnly && session.sameSite === 'Lax', 'session cookie not HttpOnly/Lax');
    await page.screenshot({ path: join(shots, 'patients.png'), fullPage: true });
  });

  await check('a patient page shows the timeline', async () => {
    await Promise.all([page.waitForNavigation(), page.click('#patients tbody tr:first-child a')]);
    assert(await page.locator('#timeline .visit').count() >= 1, 'no visit on the timeline');
    await page.screenshot({ path: join(shots, 'patient.png'), fullPage: true });
  });

  await check('the atlas search finds a muscle by clinical name', async () => {
    await page.goto(`${base}/atlas?q=tennis+elbow`);
    const hits = await page.locator('#hits li').allTextContents();
    assert(hits.some((t) => /extensor/i.test(t)), `hits: ${hits.slice(0, 3)}`);
  });

  await check('a muscle page shows the trigger point and its zones on the correct side', async () => {
    await page.goto(`${base}/atlas/trapezius?side=right`);
    assert(await page.locator('svg[data-view="head-lateral"] [data-region="temple:right"].zone-essential').count() === 1,
      'right temple not essential');
    assert(await page.locator('[data-region="temple:left"].zone-essential').count() === 0, 'left temple marked');
    assert(await page.locator('.tp-mark').count() >= 1, 'no X');
    await page.screenshot({ path: join(shots, 'muscle-trapezius.png'), fullPage: true });
    await page.goto(`${base}/atlas/trapezius?side=left`);
    assert(await page.locator('[data-region="temple:left"].zone-essential').count() >= 1, 'left temple not essential');
    assert(await page.locator('[data-region="temple:right"].zone-essential').count() === 0, 'right temple still marked');
  });

  await check('clicking and keyboard mark pain on the body map, and the ranking follows', async () => {
    await page.goto(`${base}/map`);
    await page.check('input[name=intensity][value="8"]', { force: true });
    await page.click('svg[data-view="head-lateral"] [data-region="temple:right"]');
    const cls = await page.getAttribute('svg[data-view="anterior"] [data-region="temple:right"]', 'class');
    assert(/\bpain\b/.test(cls) && /\bi8\b/.test(cls), `anterior temple class: ${cls}`);
    const fill = await page.$eval('svg[data-view="anterior"] [data-region="temple:right"]', (el) => getComputedStyle(el).fill);
    assert(fill === 'rgb(199, 42, 32)', `intensity 8 is drawn as ${fill}`);
    await page.focus('svg[data-view="posterior"] [data-region="neck-posterior:right"]');
    await page.keyboard.press('Enter');
    assert(await page.getAttribute('svg[data-view="posterior"] [data-region="neck-posterior:right"]', 'aria-pressed') === 'true',
      'keyboard did not mark');
    assert(await page.locator('#marks li').count() === 2, 'marks list');
    await Promise.all([page.waitForNavigation(), page.click('#rank')]);
    const first = await page.locator('#candidates tbody tr').first().textContent();
    assert(/trapezius|sternocleidomastoid|splenius|suboccipital|semispinalis/i.test(first), `first: ${first}`);
    await page.screenshot({ path: join(shots, 'body-map.png'), fullPage: true });
  });

  await check('the pages run with no Content-Security-Policy violation', async () => {
    assert(cspErrors.length === 0, cspErrors.join('; '));
  });

  await check('a 768 px tablet layout keeps the map usable', async () => {
    await page.setViewportSize({ width: 768, height: 1000 });
    await page.goto(`${base}/atlas/infraspinatus`);
    const box = await page.locator('svg.bodymap').first().boundingBox();
    assert(box && box.width > 100 && box.x + box.width <= 768, `map box ${JSON.stringify(box)}`);
    await page.screenshot({ path: join(shots, 'muscle-tablet.png'), fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  // Each workflow's checks live in a file of their own under e2e/flows/, run in name order; each opens its own
  // page (and signs in) from the shared context and helpers.
  const flows = join(root, 'e2e/flows');
  for (const file of readdirSync(flows).filter((f) => f.endsWith('.mjs')).sort()) {
    const flow = await import(join(flows, file));
    await flow.default({ check, assert, base, browser, context, signIn, password, shots, taut, database, env });
  }

  await check('signing out ends the session', async () => {
    await Promise.all([page.waitForNavigation(), page.click('.signout button')]);
    await page.goto(`${base}/patients`);
    assert(page.url().includes('/signin'), `still in at ${page.url()}`);
  });

  await check('an auditor may not open patient records', async () => {
    await signIn(page, 'e2e-auditor', 'auditor password 1');
    const response = await page.goto(`${base}/patients`);
    assert(response.status() === 403, `status ${response.status()}`);
    assert(/may not read clinical records/.test(await page.textContent('main')), 'no reason shown');
    await page.screenshot({ path: join(shots, 'refused.png') });
  });
} finally {
  await browser.close();
  server.kill('SIGTERM');
}
console.log(`e2e: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
