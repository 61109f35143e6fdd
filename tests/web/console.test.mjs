// console.test.mjs: the issuer's console (/console) in a real browser against a real ddcd, as a
// clerk uses it: sign in with a key, issue a copyright certificate, find it by its registration
// number and by a word of its Chinese title, revoke it with a reason and see its public page say
// so; upload 1,000 rows with 7 bad ones and watch the bar reach 100 % and the 7 errors appear;
// sign out (the old cookie is dead); a form posted from another origin is refused; a holder's
// key sees no issuer views; a webhook made in the console to a receiver that answers 500 shows
// its deliveries' status codes and, once given up, the reason it was disabled. Every view is checked with axe-core (no violations), at 375 px, with
// the keyboard, and the console talks to ddcd only. Screenshots: var/screenshots/console-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { startDdcd, request, world, uniq, ownDatabase, until } from '../api/lib.mjs';
import { anchored, done, issuerWorld, launch, onlyDdcd, open, shot } from './lib.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let srv, w, browser;
before(async () => {
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } });
  w = await world(srv.base);
  await issuerWorld(srv.base, w);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// axe-core on the page as it is now: no violation of any rule (WCAG 2.1 A and AA and best practice).
async function axe(page, what) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const v = r.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(v, [], `axe on ${what}`);
}

// A signed-in console (keyboard only: the key field has the focus, Enter submits).
async function signIn(key, opts = {}, base = srv.base) {
  const o = await open(browser, base, '/console', opts);
  await o.page.waitForSelector('body[data-view=signin]');
  assert.equal(await o.page.evaluate(() => document.activeElement.id), 'signin-key');
  await o.page.keyboard.type(key);
  await o.page.keyboard.press('Enter');
  await o.page.waitForSelector('body:not([data-view=signin])');
  return o;
}

// What the page logged as errors, less the lines Chromium logs for every 4xx answer.
const scriptErrors = (errors) => errors.filter((e) => !/Failed to load resource/.test(e));
const view = (page, name) => page.waitForSelector(`body[data-view=${name}] #content h1`);
const go = async (page, hash, name) => {
  await page.evaluate((x) => { location.hash = x; }, hash);
  await view(page, name);
};

test('sign in, issue a copyright certificate, find it by registration number and by a Chinese title word, freeze and revoke it with reasons; its public page says revoked', async () => {
  const { page, context, requests, errors, response } = await open(browser, srv.base, '/console');
  assert.match(response.headers()['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(response.headers()['content-security-policy'], /unsafe-inline|unsafe-eval/);
  await page.waitForSelector('body[data-view=signin]');
  await axe(page, 'sign-in');
  await page.keyboard.type('ddc_not_a_key');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#signin-key[aria-invalid=true]');
  assert.match(await page.textContent('#signin-error'), /Sign-in failed/);
  await page.fill('#signin-key', w.issuerKey);
  await page.keyboard.press('Enter');
  await view(page, 'certs');
  const cookie = (await context.cookies()).find((c) => c.name === 'ddc_session');
  assert.ok(cookie.httpOnly && cookie.sameSite === 'Strict' && cookie.path === '/' && !cookie.secure, 'HttpOnly, SameSite=Strict, not Secure over http');
  assert.equal(await page.evaluate(() => document.cookie.includes('ddc_session')), false, 'the script cannot read the cookie');

  // Issue: a missing title is shown at its field, then the certificate is issued.
  const regNo = `R-${process.pid}-${Date.now()}`;
  const title = `春江花月夜 ${uniq('卷')}`;
  await page.click('nav a[data-view=mint]');
  await view(page, 'mint');
  await axe(page, 'mint form');
  const byName = (n) => `#mint-form [data-field="${n}"] :is(input, textarea, select)`;
  await page.fill(byName('metadata.authors'), '张若虚\n李白');
  await page.fill(byName('metadata.registration_no'), regNo);
  await page.fill(byName('metadata.work_type'), 'literary');
  await page.fill(byName('metadata.created_on'), '2026-03-01');
  await page.click('#mint-form button[type=submit]');
  await page.waitForSelector(`${byName('metadata.title')}[aria-invalid=true]`);
  assert.match(await page.textContent('#mint-form [data-field="metadata.title"] .error'), /title/);
  assert.equal(await page.evaluate(() => document.activeElement.name), 'metadata.title', 'the bad field has the focus');
  await axe(page, 'mint form with a field error');
  await shot(page, 'console-mint-error');
  await page.fill(byName('metadata.title'), title);
  await page.click('#mint-form button[type=submit]');
  await view(page, 'cert');
  const ddcId = Number((await page.textContent('#content h1')).replace(/\D/g, ''));
  const cert = (await request(srv.base, 'GET', `/v1/certificates/${ddcId}`, { key: w.issuerKey })).json;
  assert.equal(cert.document.metadata.title, title);
  assert.deepEqual(cert.document.metadata.authors, ['张若虚', '李白']);
  assert.equal(await page.textContent('#cert-status'), 'Active');
  assert.equal(await page.getAttribute('#public-link', 'href'), `/c/${cert.code}`);
  await page.waitForFunction(() => document.querySelector('.qr img').complete && document.querySelector('.qr img').naturalWidth > 0);
  await axe(page, 'certificate page');

  // Find it: by registration number, then by a word of the Chinese title.
  for (const q of [regNo, '花月夜']) {
    await go(page, '#/certs', 'certs');
    await page.fill('#search-form [data-field=q] input', q);
    await page.keyboard.press('Enter');
    await page.waitForFunction((x) => document.querySelector('#results')?.dataset.q === x, q);
    const links = await page.$$eval('#cert-table tbody a', (as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links, [`#/cert/${ddcId}`], `search ${q}`);
  }
  await axe(page, 'search results');
  await shot(page, 'console-search');

  // Freeze with a reason (a confirm step asks for one), then revoke with a reason, keyboard only:
  // Tab to the button, Enter, type, Enter on Confirm.
  await page.click(`#cert-table a[href="#/cert/${ddcId}"]`);
  await view(page, 'cert');
  await page.focus('#act-freeze');
  await page.keyboard.press('Enter');
  await page.waitForSelector('fieldset.confirm textarea');
  await page.keyboard.type('Ownership disputed');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#cert-status')?.textContent === 'Frozen');
  await page.waitForFunction(() => [...document.querySelectorAll('#events li.ev-freeze')].some((li) => li.textContent.includes('Ownership disputed')));
  await page.focus('#act-revoke');
  await page.keyboard.press('Enter');
  await page.waitForSelector('fieldset.confirm textarea');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'TEXTAREA');
  await axe(page, 'revoke confirm step');
  await page.keyboard.type('Registered in error');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#cert-status')?.textContent === 'Revoked');
  await shot(page, 'console-revoked');
  await anchored(srv.base, cert.code);
  const pub = await context.newPage();
  await pub.goto(`${srv.base}/c/${cert.code}`);
  await done(pub);
  assert.equal(await pub.textContent('#status-word'), 'Revoked');
  assert.match(await pub.textContent('#status-sub'), /Reason: Registered in error/);
  await shot(pub, 'console-public-revoked');
  onlyDdcd(requests, srv.base);
  assert.deepEqual(scriptErrors(errors), [], 'no script errors or CSP violations');
  await context.close();
});

// 1,000 diploma rows; rows 101-103 lack a name, 501-503 have an impossible date, 900 repeats the
// external_ref of 899: 7 errors.
function classCsv() {
  const lines = ['student_name,student_id,degree,major,institution,conferred_on,external_ref'];
  const tag = `${process.pid}-${Date.now()}`;
  for (let i = 1; i <= 1000; i++) {
    const name = i >= 101 && i <= 103 ? '' : `"Student ${i}, 学生"`;
    const date = i >= 501 && i <= 503 ? '2026-13-45' : '2026-06-30';
    const ref = i === 900 ? `D-${tag}-899` : `D-${tag}-${i}`;
    lines.push(`${name},S${i},BSc,Physics,Example University,${date},${ref}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

test('a 1,000-row upload with 7 bad rows: the bar reaches 100 %, the 7 errors are in the table and downloadable', async () => {
  const { page, context, requests, errors } = await signIn(w.issuerKey);
  await page.click('nav a[data-view=batch]');
  await view(page, 'batch');
  await axe(page, 'batch form');
  await page.selectOption('#batch-form [data-field=kind] select', 'diploma');
  await page.selectOption('#batch-form [data-field=mode] select', 'partial');
  await page.setInputFiles('#batch-file', { name: 'class-2026.csv', mimeType: 'text/csv', buffer: classCsv() });
  await page.waitForSelector('#batch-bar');
  const seen = [];
  for (const t0 = Date.now(); Date.now() - t0 < 60000;) {
    const s = await page.evaluate(() => ({ pct: Number(document.querySelector('#batch-bar').dataset.pct), state: document.querySelector('#batch-out').dataset.state }));
    if (seen.at(-1) !== s.pct) seen.push(s.pct);
    if (s.state) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(await page.getAttribute('#batch-out', 'data-state'), 'completed', await page.textContent('#batch-out'));
  assert.equal(seen.at(-1), 100, `the bar went ${seen.join(' → ')}`);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), 'the bar never goes back');
  assert.equal(await page.$eval('#batch-bar', (b) => b.value === b.max), true);
  assert.match(await page.textContent('#batch-counts'), /993 issued, 7 in error, of 1000 rows \(100 %\)/);
  await page.waitForSelector('#batch-errors');
  const rows = await page.$$eval('#batch-errors tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 7);
  assert.deepEqual(rows.map((r) => Number(r[0])), [102, 103, 104, 502, 503, 504, 901], 'file lines (the header is line 1)');
  assert.deepEqual(rows.map((r) => r[2]), ['missing_field', 'missing_field', 'missing_field', 'invalid_field', 'invalid_field', 'invalid_field', 'duplicate_row']);
  const dl = await page.getAttribute('#dl-errors', 'href');
  const csv = await request(srv.base, 'GET', dl, { key: w.issuerKey });
  assert.equal(csv.text.trim().split('\r\n').length, 8, 'header and the 7 rows');
  assert.match(await page.getAttribute('#dl-certs', 'href'), /\/v1\/batches\/\d+\/certificates$/);
  await axe(page, 'batch report');
  await shot(page, 'console-batch');
  onlyDdcd(requests, srv.base);
  assert.deepEqual(scriptErrors(errors), []);
  await context.close();
});

test('the issuer\'s other views and the operator\'s: no axe violation, nothing wider than a 375 px phone, in Chinese too', async () => {
  for (const [key, views, locale] of [[w.issuerKey, ['certs', 'mint', 'batch', 'balance', 'keys', 'apikeys', 'webhooks'], 'zh-CN'], [w.op, ['accounts', 'certs', 'prices', 'recharges', 'log', 'witnesses', 'apikeys', 'webhooks'], 'en-GB']]) {
    const { page, context, requests, errors } = await signIn(key, { viewport: { width: 375, height: 740 }, locale });
    assert.equal(await page.getAttribute('html', 'lang'), locale.slice(0, 2));
    const navViews = await page.$$eval('#nav a', (as) => as.map((a) => a.dataset.view));
    assert.deepEqual(navViews, views);
    for (const v of views) {
      await go(page, `#/${v}`, v);
      await page.waitForFunction(() => !document.querySelector('#content > p.muted'));
      await axe(page, `${v} (${locale})`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), `${v}: no sideways scrolling at 375 px`);
      await shot(page, `console-375-${locale}-${v}`);
    }
    onlyDdcd(requests, srv.base);
    assert.deepEqual(scriptErrors(errors), []);
    await context.close();
  }
});

test('an API key made in the console is shown once and works; revoking the session\'s own key ends the session', async () => {
  const { page, context } = await signIn(w.issuerKey);
  await go(page, '#/apikeys', 'apikeys');
  await page.fill('#apikey-form [data-field=name] input', 'registrar desk');
  await page.click('#apikey-form button[type=submit]');
  const key = await page.inputValue('#secret-value');
  assert.match(key, /^ddc_[a-z2-7]{10}_[a-z2-7]{52}$/);
  assert.equal((await request(srv.base, 'GET', '/v1/session', { key })).status, 200);
  const listed = await request(srv.base, 'GET', `/v1/accounts/${w.issuer.id}/api-keys`, { key: w.issuerKey });
  assert.ok(!JSON.stringify(listed.json).includes(key.slice(16)), 'the secret is not listed');
  await context.close();
  // a console signed in with the new key: revoking that key ends its session at once
  const o = await signIn(key);
  await go(o.page, '#/apikeys', 'apikeys');
  const prefix = key.slice(4, 14);
  const row = o.page.locator('#api-keys tbody tr', { hasText: prefix });
  await row.locator('button').click();
  await o.page.click('fieldset.confirm button.danger');
  await o.page.waitForSelector('body[data-view=signin]');
  assert.match(await o.page.textContent('#signin-error'), /session has ended/);
  await o.context.close();
});

test('sign out ends the session on the server: the old cookie no longer works', async () => {
  const { page, context } = await signIn(w.issuerKey);
  const old = (await context.cookies()).find((c) => c.name === 'ddc_session').value;
  const asCookie = { headers: { Cookie: `ddc_session=${old}` } };
  assert.equal((await request(srv.base, 'GET', '/v1/session', asCookie)).status, 200);
  await page.click('#signout');
  await page.waitForSelector('body[data-view=signin]');
  assert.equal((await context.cookies()).find((c) => c.name === 'ddc_session'), undefined, 'the browser dropped it');
  const r = await request(srv.base, 'GET', '/v1/certificates', asCookie);
  assert.equal(r.status, 401);
  assert.equal(r.json.code, 'unauthorized');
  await page.reload();
  await page.waitForSelector('body[data-view=signin]');
  await context.close();
});

test('a form posted to ddcd from another origin is refused (CSRF) and changes nothing', async () => {
  const c = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('csrf target') } } });
  assert.equal(c.status, 201);
  // the attacker's page: same host, another port (same site, so SameSite=Strict still sends the
  // cookie: only the CSRF checks stand in the way)
  const evil = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><title>prize</title><form method="post" action="${srv.base}/v1/certificates/${c.json.ddc_id}/revoke">
      <input type="hidden" name="reason" value="pwned"><button id="go">Claim your prize</button></form>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const { page, context } = await signIn(w.issuerKey);
  await page.goto(`http://127.0.0.1:${evil.address().port}/`);
  const [resp] = await Promise.all([page.waitForResponse((x) => x.url().includes('/revoke')), page.click('#go')]);
  assert.equal(resp.status(), 403);
  assert.equal((await resp.json()).code, 'csrf_rejected');
  const after = await request(srv.base, 'GET', `/v1/certificates/${c.json.ddc_id}`, { key: w.issuerKey });
  assert.equal(after.json.status, 'active');
  // the same from a fetch with the cookie but without the token, from the console's own origin
  await page.goto(`${srv.base}/console`);
  await view(page, 'certs');
  const status = await page.evaluate((id) => fetch(`/v1/certificates/${id}/freeze`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.status), c.json.ddc_id);
  assert.equal(status, 403);
  assert.equal((await request(srv.base, 'GET', `/v1/certificates/${c.json.ddc_id}`, { key: w.issuerKey })).json.status, 'active');
  evil.close();
  await context.close();
});

test('a holder\'s key sees no issuer views, and the API refuses its session what it refuses the key', async () => {
  const { page, context, requests, errors } = await signIn(w.holderKey);
  await page.waitForSelector('body[data-view=none]');
  assert.equal(await page.isHidden('#nav'), true);
  assert.match(await page.textContent('#content'), /A holder’s key has no views here/);
  for (const v of ['mint', 'batch', 'certs', 'accounts']) {
    await page.evaluate((x) => { location.hash = `#/${x}`; }, v);
    await page.waitForSelector('body[data-view=none] #content h1');
  }
  await axe(page, 'holder');
  await shot(page, 'console-holder');
  const csrf = (await page.evaluate(() => fetch('/v1/session').then((r) => r.json()))).csrf_token;
  const mint = await page.evaluate((token) => fetch('/v1/certificates', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token }, body: JSON.stringify({ kind: 'generic', metadata: { title: 'x' } }) }).then((r) => r.status), csrf);
  assert.equal(mint, 403, 'a holder may not mint, with a session as with its key');
  onlyDdcd(requests, srv.base);
  assert.deepEqual(scriptErrors(errors), []);
  await context.close();
});

// A webhook endpoint made in the console, pointed at a receiver here that answers 500: its
// deliveries show the status codes; after the give-up time (2 s here, as in the webhook suite) it
// is disabled and the console shows why; it is enabled again and deleted with a confirm step.
// Its own database and ddcd (private addresses allowed), so that no other ddcd claims its
// deliveries.
test('webhooks: made in the console, deliveries with their status codes, disabled with its reason, enabled, deleted', async () => {
  const db = await ownDatabase('console_hooks');
  const hooks = await startDdcd({ env: { ...db.env, DDC_PUBLIC_RATE: '0', DDC_WEBHOOK_ALLOW_PRIVATE: '1', DDC_WEBHOOK_BACKOFF_MAX_S: '1', DDC_WEBHOOK_GIVE_UP_S: '2' } });
  let rx = 500;
  const got = [];
  const receiver = http.createServer((req, res) => { req.resume(); req.on('end', () => { got.push(rx); res.writeHead(rx).end(); }); });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const w2 = await world(hooks.base, db.op);
    await issuerWorld(hooks.base, w2);
    const { page, context, requests, errors } = await signIn(w2.issuerKey, {}, hooks.base);
    await go(page, '#/webhooks', 'webhooks');
    await axe(page, 'webhooks, none yet');
    // no event chosen: the error is at the events
    await page.fill('#webhook-form [data-field=url] input', `http://127.0.0.1:${receiver.address().port}/hook`);
    await page.click('#webhook-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#wh-events-err').textContent !== '');
    await page.check('#ev-mint');
    await page.focus('#webhook-form button[type=submit]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#webhook-secret-value');
    assert.match(await page.inputValue('#webhook-secret-value'), /^whsec_[A-Za-z0-9+/]+=*$/);
    const listed = (await request(hooks.base, 'GET', '/v1/webhooks', { key: w2.issuerKey })).json.items;
    assert.equal(listed.length, 1);
    const id = listed[0].id;
    assert.deepEqual(listed[0].events, ['mint']);
    assert.equal(await page.textContent(`#webhooks tbody tr:first-child td:nth-child(4)`), 'Active');
    await axe(page, 'webhooks, the secret shown');

    const c = await request(hooks.base, 'POST', '/v1/certificates', { key: w2.issuerKey, json: { kind: 'generic', metadata: { title: uniq('hooked') } } });
    assert.equal(c.status, 201, c.text);
    await until('two answers of 500', () => got.length >= 2, 20000);
    await go(page, `#/webhooks/${id}`, 'webhooks');
    const codes = async () => page.$$eval('#deliveries tbody tr', (trs) => trs.map((tr) => [tr.cells[1].textContent, tr.cells[3].textContent, tr.cells[4].textContent]));
    await until('the 500s in the deliveries table', async () => {
      await page.click('#deliveries-refresh');
      await page.waitForSelector('#webhook-deliveries h2');
      return (await codes()).filter((r) => r[1] === '500').length >= 2;
    }, 20000);
    for (const [ev, code, outcome] of await codes()) {
      assert.equal(ev, `mint #${c.json.ddc_id}`);
      assert.equal(code, '500');
      assert.equal(outcome, 'Failed');
    }
    await axe(page, 'webhook deliveries');

    // given up: disabled, and the console says why
    const off = await until('the endpoint disabled', async () => {
      const r = await request(hooks.base, 'GET', `/v1/webhooks/${id}`, { key: w2.issuerKey });
      return r.json.disabled_at && r.json;
    }, 20000);
    assert.match(off.disabled_reason, /HTTP 500/);
    await page.click('#deliveries-refresh');
    await page.waitForFunction(() => /Disabled/.test(document.querySelector('#webhook-state')?.textContent || ''));
    assert.equal(await page.textContent('#webhook-state .hook-reason'), off.disabled_reason);
    assert.equal(await page.textContent('#webhooks tbody tr:first-child .hook-reason'), off.disabled_reason);
    await axe(page, 'a disabled webhook');
    await shot(page, 'console-webhook-disabled');
    const zh = await signIn(w2.issuerKey, { viewport: { width: 375, height: 740 }, locale: 'zh-CN' }, hooks.base);
    await go(zh.page, `#/webhooks/${id}`, 'webhooks');
    await zh.page.waitForSelector('#deliveries');
    assert.match(await zh.page.textContent('#webhook-state'), /已停用/);
    assert.ok(await zh.page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no sideways scrolling at 375 px');
    await axe(zh.page, 'a disabled webhook (zh-CN, 375 px)');
    await shot(zh.page, 'console-375-zh-CN-webhook-disabled');
    await zh.context.close();

    // enabled again: the given-up delivery goes out and succeeds
    rx = 204;
    await page.click(`[data-enable="${id}"]`);
    await page.waitForFunction(() => /Active/.test(document.querySelector('#webhook-state')?.textContent || ''));
    assert.match(await page.textContent('#flash'), new RegExp(`#${id} is enabled again`));
    await until('a delivery answered 204', async () => {
      await page.click('#deliveries-refresh');
      await page.waitForSelector('#webhook-deliveries h2');
      return (await codes()).some((r) => r[1] === '204' && r[2] === 'Delivered');
    }, 20000);

    // deleted, after the confirm step
    await page.click(`[data-delete="${id}"]`);
    await page.waitForSelector('fieldset.confirm button.danger');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'danger');
    await axe(page, 'delete confirm step');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('#webhooks'));
    assert.deepEqual((await request(hooks.base, 'GET', '/v1/webhooks', { key: w2.issuerKey })).json.items, []);
    onlyDdcd(requests, hooks.base);
    assert.deepEqual(scriptErrors(errors), []);
    await context.close();
  } finally {
    receiver.close();
    receiver.closeAllConnections();
    await hooks.stop();
    db.drop();
  }
});
