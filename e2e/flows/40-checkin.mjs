// Patient check-in links: the clinician creates a link on the patient page; the patient opens it on a phone
// (390 × 844, touch, no session cookie), reports pain, a side effect and self-care, draws pain and sends it;
// the used link and an altered one show the one message that reveals nothing; the clinician sees the answers
// as patient-reported and marks them reviewed.
import { join } from 'node:path';

export default async function (t) {
  const { check, assert, base, browser, context, shots } = t;
  const clinician = await context.newPage();
  let url = '';
  let patientName = '';
  let patientPath = '';

  await check('a clinician creates a check-in link on the patient page and sees it once', async () => {
    await clinician.goto(`${base}/patients`);
    await Promise.all([clinician.waitForNavigation(), clinician.click('#patients tbody tr:first-child a')]);
    patientPath = new URL(clinician.url()).pathname;
    patientName = (await clinician.textContent('h1')).replace(/\s+\S+$/, '').trim();
    await clinician.selectOption('#checkin-days', '7');
    await Promise.all([clinician.waitForNavigation(), clinician.click('#new-checkin')]);
    url = await clinician.inputValue('#checkin-url');
    assert(url.startsWith(`${base}/checkin/tautci_`), `link: ${url}`);
    await clinician.click('#copy-link');
  });

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  phone.setDefaultTimeout(15000);
  const page = await phone.newPage();
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });

  await check('a check-in link from a phone-sized window: no account, nothing about the patient, fits the screen', async () => {
    assert((await phone.cookies()).length === 0, 'the phone has a cookie');
    const response = await page.goto(url);
    assert(response.status() === 200, `status ${response.status()}`);
    assert(!(await page.textContent('body')).includes(patientName.split(' ').pop()), 'the page names the patient');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(width <= 390, `the page is ${width} px wide`);
    const tile = await page.locator('.tile').first().boundingBox();
    assert(tile.height >= 44 && tile.width >= 44, `NRS tile ${JSON.stringify(tile)}`);
    const choice = await page.locator('.choice').first().boundingBox();
    assert(choice.height >= 44, `choice ${JSON.stringify(choice)}`);
  });

  await check('the patient reports NRS, a side effect and self-care, draws pain by touch and sends it', async () => {
    await page.locator('.tile:has(input[value="4"])').tap();
    assert(await page.isChecked('input[name=pain_nrs][value="4"]'), 'NRS not chosen');
    await page.locator('.choice:has(input[value="post-injection-soreness"])').tap();
    assert(await page.isChecked('input[value="post-injection-soreness"]'), 'side effect not ticked');
    await page.locator('.choice:has(input[name=adherence_percent][value="75"])').tap();
    await page.locator('.swatch:has(input[value="7"])').tap();
    await page.locator('svg[data-view="posterior"] [data-region="neck-posterior:right"]').tap();
    const cls = await page.getAttribute('svg[data-view="posterior"] [data-region="neck-posterior:right"]', 'class');
    assert(/\bpain\b/.test(cls) && /\bi7\b/.test(cls), `region class: ${cls}`);
    // A tapped region shows its intensity, not a hover colour that sticks on touch screens.
    const fill = await page.$eval('svg[data-view="posterior"] [data-region="neck-posterior:right"]', (el) => getComputedStyle(el).fill);
    assert(fill === 'rgb(222, 69, 40)', `intensity 7 is drawn as ${fill}`);
    assert(await page.locator('#marks li').count() === 1, 'marks list');
    await page.fill('#note', 'Sore for two days, better now');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'checkin-phone.png') });
    await page.locator('fieldset.question:has(#marks)').screenshot({ path: join(shots, 'checkin-phone-map.png') });
    await Promise.all([page.waitForNavigation(), page.locator('#send').tap()]);
    assert(/Thank you/.test(await page.textContent('h1')), `after sending: ${await page.textContent('main')}`);
    assert(/Call your clinic if you have/.test(await page.textContent('main')), 'no warning signs for the side effect');
    await page.screenshot({ path: join(shots, 'checkin-sent-phone.png') });
    assert(cspErrors.length === 0, cspErrors.join('; '));
  });

  await check('the used link and an altered link show one clear message that reveals nothing', async () => {
    for (const target of [url, url.slice(0, -1) + (url.endsWith('0') ? '1' : '0')]) {
      const response = await page.goto(target);
      assert(response.status() === 404, `status ${response.status()}`);
      const text = await page.textContent('main');
      assert(/This link cannot be used/.test(text), `message: ${text}`);
      assert(!text.includes(patientName.split(' ').pop()), 'names the patient');
      assert(await page.locator('form').count() === 0, 'a form is shown');
    }
    await page.screenshot({ path: join(shots, 'checkin-closed-phone.png') });
  });
  await phone.close();

  await check('the clinician sees the answers as patient-reported and marks them reviewed', async () => {
    await clinician.goto(`${base}${patientPath}#checkins`);
    const report = clinician.locator('.report').first();
    const text = await report.textContent();
    assert(/Patient-reported/.test(text) && /Needs review/.test(text), `report: ${text}`);
    assert(/4\/10/.test(text) && /Post-injection soreness/.test(text) && /75 % of days/.test(text), `report: ${text}`);
    assert(await clinician.locator('#checkins .links tbody tr').count() >= 1, 'links table');
    await clinician.locator('#checkins').screenshot({ path: join(shots, 'checkin-review.png') });
    await Promise.all([clinician.waitForNavigation(), report.locator('button', { hasText: 'Mark reviewed' }).click()]);
    const after = await clinician.locator('.report').first().textContent();
    assert(/Reviewed/.test(after) && !/Needs review/.test(after), `after review: ${after}`);
  });
  await clinician.close();
}
