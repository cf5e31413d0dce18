// Procedure and follow-up: record a procedure on a demo patient's visit through the form, see it on the note,
// the timeline, the chart and the alerts, record a side effect, and print the procedure note (print media).
import { join } from 'node:path';

export default async function ({ check, assert, base, context, shots }) {
  const page = await context.newPage();
  const cspErrors = [];
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  let patientUrl = '';
  let noteUrl = '';
  try {
    await check('a procedure is recorded through the form', async () => {
      await page.goto(`${base}/patients`);
      await Promise.all([page.waitForNavigation(), page.click('#patients tbody tr:first-child a')]);
      patientUrl = page.url();
      await Promise.all([page.waitForNavigation(), page.click('#timeline a[href$="/procedures/new"] >> nth=0')]);
      await page.check('#consent_obtained');
      await page.fill('#risks', 'soreness\nbruising\nweakness of nearby muscles');
      await page.fill('#s0-muscle', 'masseter');
      await page.selectOption('#s0-side', 'right');
      await page.fill('#s0-agent', 'Xeomin');
      await page.fill('#s0-dose', '15');
      await page.selectOption('#s0-dose_unit', 'U');
      await page.fill('#s0-points', '1');
      await page.fill('#s0-needle', '30 G 13 mm');
      await page.selectOption('#s0-guidance', 'ultrasound');
      await page.fill('#s0-lot', 'E2E-LOT-7');
      await page.fill('#s0-expiry', `${new Date().getUTCFullYear() + 1}-06-30`);
      await page.fill('#s0-reconstitution_ml', '2.5');
      await page.fill('#s0-vial_units', '100');
      await page.fill('#diagnoses', 'M79.11');
      await page.screenshot({ path: join(shots, 'procedure.png'), fullPage: true });
      await Promise.all([page.waitForNavigation(), page.click('#record-procedure')]);
      noteUrl = page.url();
      assert(/\/procedures\/[0-9a-f-]+$/.test(noteUrl), `landed on ${noteUrl}`);
      const sites = await page.textContent('#sites');
      assert(/incobotulinumtoxinA/.test(sites) && /E2E-LOT-7/.test(sites), `sites: ${sites}`);
      assert(/ICD-10-CM/.test(await page.textContent('#codes')), 'no codes');
    });

    await check('the procedure shows on the timeline, the chart and the alerts', async () => {
      await page.goto(patientUrl);
      const id = noteUrl.split('/').pop();
      assert(await page.locator(`#timeline a[href="/procedures/${id}"]`).count() === 1, 'not on the timeline');
      const today = new Date().toISOString().slice(0, 10);
      assert(await page.locator(`svg#nrs .marker[data-at="${today}"]`).count() >= 1, 'no procedure marker on the chart');
      assert(/not before/.test(await page.textContent('#alert-retreatment')), 'no re-treatment alert');
      // The alerts and the charts together, as the clinician sees them on the patient page.
      const top = await page.locator('#alerts').boundingBox();
      const bottom = await page.locator('#charts').boundingBox();
      await page.screenshot({ path: join(shots, 'chart.png'), fullPage: true,
        clip: { x: 0, y: top.y - 8, width: 1280, height: bottom.y + bottom.height - top.y + 16 } });
    });

    await check('a side effect is recorded against the procedure', async () => {
      await page.goto(noteUrl);
      await page.selectOption('#effect', 'post-injection-soreness');
      await page.selectOption('#severity', 'mild');
      await page.fill('#event-actions', 'advised heat');
      await Promise.all([page.waitForNavigation(), page.click('#record-side-effect')]);
      assert(/Post-injection soreness/.test(await page.textContent('#events')), 'side effect not listed');
      await page.goto(patientUrl);
      assert(/Post-injection soreness/.test(await page.textContent('#alert-side-effects')), 'not among open side effects');
    });

    await check('the procedure note prints cleanly', async () => {
      await page.goto(noteUrl);
      await page.emulateMedia({ media: 'print' });
      assert(!(await page.isVisible('header.top')), 'navigation printed');
      assert(!(await page.isVisible('#event-form')), 'form printed');
      assert(await page.isVisible('.signature'), 'no signature line');
      await page.screenshot({ path: join(shots, 'print-procedure.png'), fullPage: true });
      await page.emulateMedia({ media: 'screen' });
    });

    await check('the self-care sheet prints with the treated points and the pain chart', async () => {
      const id = noteUrl.split('/').pop();
      await page.goto(`${patientUrl}/selfcare?procedure=${id}&contact=${encodeURIComponent('Pain clinic, telephone 555-0100 (weekdays 8-17)')}`);
      assert(await page.locator('#care-points tbody tr').count() >= 1, 'no points to press');
      assert(await page.locator('.care-maps .tp-mark').count() >= 1, 'no treated point on the body map');
      assert(await page.locator('svg#selfcare-nrs').count() === 1, 'no pain chart');
      await page.emulateMedia({ media: 'print' });
      assert(!(await page.isVisible('.contact-form')), 'the contact form printed');
      await page.screenshot({ path: join(shots, 'print-selfcare.png'), fullPage: true });
      await page.emulateMedia({ media: 'screen' });
    });

    await check('the procedure form fits a 768 px tablet without sideways scrolling', async () => {
      await page.setViewportSize({ width: 768, height: 1000 });
      await page.goto(patientUrl);
      await Promise.all([page.waitForNavigation(), page.click('#timeline a[href$="/procedures/new"] >> nth=0')]);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 768, `page is ${width} px wide`);
      await page.goto(noteUrl);
      const noteWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(noteWidth <= 768, `note is ${noteWidth} px wide`);
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await check('the procedure pages run with no Content-Security-Policy violation', async () => {
      assert(cspErrors.length === 0, cspErrors.join('; '));
    });
  } finally {
    await page.close();
  }
}
