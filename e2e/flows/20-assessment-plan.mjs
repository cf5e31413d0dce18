// The assessment and plan steps of a visit: open a new visit from a patient, draw pain by click and keyboard and
// watch the differential follow without a reload, record a finding and see its consensus classification as it
// is entered, build a plan from the Xeomin template, raise a dose until it trips a safety finding, and sign it:
// refused without a reason, signed with one. Screenshots: assessment.png, findings.png, plan.png, visit-tablet.png.
import { join } from 'node:path';

export default async function (t) {
  const { check, assert, base, context, shots } = t;
  const page = await context.newPage();
  const cspErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspErrors.push(m.text());
  });
  const answered = (suffix) => page.waitForResponse((r) => r.url().endsWith(suffix) && r.request().method() === 'POST');
  let visitUrl = '';
  try {
    await check('a new visit opens from the patient page', async () => {
      await page.goto(`${base}/patients`);
      await Promise.all([page.waitForNavigation(), page.click('#patients tbody tr:first-child a')]);
      await Promise.all([page.waitForNavigation(), page.click('#new-visit-button')]);
      assert(/\/patients\/[^/]+\/visits\/[^/#?]+$/.test(page.url()), `landed on ${page.url()}`);
      visitUrl = page.url();
      assert(await page.isVisible('#drawing'), 'no drawing form');
      assert(/Mark the painful regions/.test(await page.textContent('#differential')), 'no prompt to draw');
    });

    await check('drawing pain by click and keyboard updates the differential without a reload', async () => {
      await page.evaluate(() => { window.sameDocument = true; });
      await page.check('input[name=intensity][value="8"]', { force: true });
      let reply = answered('/differential');
      await page.click('svg[data-view="head-lateral"] [data-region="temple:right"]');
      await reply;
      await page.waitForSelector('#differential #candidates');
      const first = await page.locator('#candidates tbody tr').count();
      assert(first >= 1, 'no candidate after the first mark');
      await page.check('input[name=intensity][value="5"]', { force: true });
      reply = answered('/differential');
      await page.focus('svg[data-view="posterior"] [data-region="neck-posterior:right"]');
      await page.keyboard.press('Enter');
      await reply;
      assert(await page.getAttribute('svg[data-view="posterior"] [data-region="neck-posterior:right"]', 'aria-pressed') === 'true',
        'keyboard did not mark');
      await page.waitForFunction(() => document.querySelectorAll('#candidates tbody tr').length >= 1);
      const top = await page.locator('#candidates tbody tr').first().textContent();
      assert(/trapezius|sternocleidomastoid|splenius|suboccipital|semispinalis/i.test(top), `first: ${top}`);
      assert(await page.evaluate(() => window.sameDocument === true), 'the page was reloaded');
      assert(/not a probability/.test(await page.textContent('#differential')), 'the fit is not explained');
      await page.fill('#nrs', '7');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.locator('#assessment').screenshot({ path: join(shots, 'assessment.png') });
      await Promise.all([page.waitForNavigation(), page.click('#save-drawing')]);
      assert((await page.textContent('#nrs-stored')).trim() === '7/10', 'NRS not saved');
      assert(await page.locator('#stored-marks li').count() === 2, 'marks not saved');
      assert(await page.locator('#differential #candidates tbody tr').count() >= 1, 'no differential for the saved drawing');
    });

    await check('a finding shows its consensus classification as entered and after saving', async () => {
      await Promise.all([page.waitForNavigation(), page.click('#candidates tbody tr:first-child a.chip')]);
      const tp = await page.inputValue('#trigger_point');
      assert(tp !== '', 'the examine link did not fill the trigger point');
      let reply = answered('/classify');
      await page.selectOption('#sign-taut_band', 'yes');
      await reply;
      reply = answered('/classify');
      await page.selectOption('#sign-spot_tenderness', 'yes');
      await reply;
      await page.waitForFunction(() => /Latent/.test(document.querySelector('#classification').textContent));
      reply = answered('/classify');
      await page.selectOption('#sign-pain_recognised', 'yes');
      await reply;
      await page.waitForFunction(() => /Active/.test(document.querySelector('#classification').textContent));
      await page.fill('#pressure_threshold', '2.5');
      await Promise.all([page.waitForNavigation(), page.click('#save-finding')]);
      assert(await page.locator('#finding-list .badge.class-active').count() === 1, 'the saved finding is not active');
      await page.locator('#findings').screenshot({ path: join(shots, 'findings.png') });
    });

    await check('a plan from the Xeomin template trips a safety finding when a dose is raised', async () => {
      await page.selectOption('#template', 'xeomin-facial');
      await Promise.all([page.waitForNavigation(), page.click('#use-template')]);
      assert(/\/plans\/[^/]+$/.test(page.url()), `landed on ${page.url()}`);
      assert(/55 U/.test(await page.textContent('#plan-totals')), 'template total');
      const masseter = page.locator('#plan-rows fieldset.item-row').nth(4);
      assert(await masseter.locator('select[name=muscle]').inputValue() === 'masseter', 'fifth item is not the masseter');
      const reply = answered('/plan-check');
      await masseter.locator('input[name=dose]').fill('400');
      await reply;
      await page.waitForFunction(() => /error/.test(document.querySelector('#check-status').textContent));
      assert(/440 U/.test(await page.textContent('#plan-totals')), 'live total');
      assert(/toxin-session-max/.test(await page.textContent('#plan-findings')), 'no session maximum finding');
      await Promise.all([page.waitForNavigation(), page.click('#save-plan')]);
      assert(/version 2/.test(await page.textContent('h1')), 'draft not saved');
    });

    await check('signing without a reason is refused, with a reason it is signed', async () => {
      await Promise.all([page.waitForNavigation(), page.click('#sign-plan')]);
      assert(await page.isVisible('#sign-error'), 'no refusal shown');
      assert(/override/i.test(await page.textContent('#sign-error')), 'the refusal does not ask for a reason');
      assert((await page.textContent('#plan-status')).trim() === 'draft', 'signed without a reason');
      await page.screenshot({ path: join(shots, 'plan.png'), fullPage: true });
      await page.fill('#override_reason', 'Masseter hypertrophy: dose agreed after discussing the label maximum.');
      await Promise.all([page.waitForNavigation(), page.click('#sign-plan')]);
      assert((await page.textContent('#plan-status')).trim() === 'signed', 'not signed');
      assert(await page.isVisible('#override-reason'), 'the override reason is not shown');
    });

    await check('the visit page fits a 768 px tablet', async () => {
      await page.setViewportSize({ width: 768, height: 1000 });
      await page.goto(visitUrl);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 768, `page is ${width} px wide`);
      await page.screenshot({ path: join(shots, 'visit-tablet.png'), fullPage: false });
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    await check('the visit and plan pages run with no Content-Security-Policy violation', async () => {
      assert(cspErrors.length === 0, cspErrors.join('; '));
    });
  } finally {
    await page.close();
  }
}
