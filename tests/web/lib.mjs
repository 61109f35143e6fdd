// lib.mjs: helpers for the browser suite: Debian's chromium driven by playwright-core, headless;
// each page gets a fresh context, every request it makes is recorded (the pages may talk to ddcd
// only), the test waits until the page says its checks are done, and a screenshot goes to
// var/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { request, uniq } from '../api/lib.mjs';

export const SHOTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'var', 'screenshots');
fs.mkdirSync(SHOTS, { recursive: true });

export function launch() {
  return chromium.launch({
    executablePath: process.env.DDC_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
}

// Opens base + urlPath in a new context; resolves {page, context, requests, response}.
// opts: locale (also sent as Accept-Language), viewport, route (a playwright route handler
// for the bundle URL).
export async function open(browser, base, urlPath, { locale = 'en-GB', viewport = { width: 1200, height: 900 }, bundleRoute } = {}) {
  const context = await browser.newContext({ locale, viewport, extraHTTPHeaders: { 'Accept-Language': locale } });
  const page = await context.newPage();
  const requests = [];
  const errors = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  if (bundleRoute) await page.route('**/v1/verify/*/bundle', bundleRoute);
  const response = await page.goto(base + urlPath);
  return { page, context, requests, errors, response };
}

// Waits for a certificate page to finish its checks; returns the time it reported (ms).
export async function done(page) {
  await page.waitForSelector('body[data-done]', { timeout: 20000 });
  return Number(await page.getAttribute('body', 'data-done'));
}

// Asserts every request went to base's origin (nothing to any other host).
export function onlyDdcd(requests, base) {
  const origin = new URL(base).origin;
  assert.ok(requests.length > 0);
  for (const u of requests) assert.equal(new URL(u).origin, origin, `request to ${u}`);
}

export async function shot(page, name, opts = {}) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...opts });
  return file;
}

// The checks the page shows: [{id, state ('ok' | 'fail' | 'wait'), label}].
export function checks(page) {
  return page.$$eval('#checklist li', (lis) => lis.map((li) => ({
    id: li.dataset.check,
    state: li.className.replace(/.*check-(\w+).*/, '$1'),
    label: li.querySelector('strong').textContent,
  })));
}

// An issuer with money, and mint(): a certificate, anchored (its verdict is no longer
// not_yet_anchored) before it resolves.
export async function issuerWorld(base, w) {
  const r = await request(base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('web') } });
  assert.equal(r.status, 201, r.text);
}

export async function anchored(base, code) {
  const t0 = Date.now();
  for (;;) {
    const r = await request(base, 'GET', `/v1/verify/${code}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.result !== 'not_yet_anchored') return r.json;
    if (Date.now() - t0 > 10000) assert.fail(`${code} not anchored after 10 s`);
    await new Promise((res) => setTimeout(res, 30));
  }
}
