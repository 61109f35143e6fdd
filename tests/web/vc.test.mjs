// vc.test.mjs: W3C Verifiable Credentials on the citizen's pages, in a real browser against a
// real ddcd: a credential file dropped on the start page is checked in the browser and gives
// the certificate's own verdict (valid, revoked), a tampered one gives "NOT VALID", a browser
// without Ed25519 says it cannot check; the certificate page's "Download as Verifiable
// Credential" yields the API's credential byte for byte; the issuer's domain line appears only
// once a domain check is in the log (over loopback HTTPS with a test CA); the log key is shown
// with its pin (match, mismatch, forget). axe-core reports no violation in any of these states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { startDdcd, request, world, uniq, until } from '../api/lib.mjs';
import { anchored, checks, done, issuerWorld, launch, onlyDdcd, open, shot } from './lib.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const DOMAIN_HOST = 'issuer.test';
let srv, w, browser, tls, tmp, didServed = null;

// A test CA and a server certificate for issuer.test, made with openssl.
function makeCerts(dir) {
  const o = (args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ddcd test CA']);
  o(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'srv.key', '-out', 'srv.csr', '-subj', `/CN=${DOMAIN_HOST}`]);
  fs.writeFileSync(path.join(dir, 'ext.cnf'), `subjectAltName=DNS:${DOMAIN_HOST}\n`);
  o(['x509', '-req', '-in', 'srv.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'srv.pem', '-days', '2', '-extfile', 'ext.cnf']);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-webvc-'));
  makeCerts(tmp);
  tls = https.createServer({ key: fs.readFileSync(path.join(tmp, 'srv.key')), cert: fs.readFileSync(path.join(tmp, 'srv.pem')) }, (req, res) => {
    if (req.url !== '/.well-known/did.json' || !didServed) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': 'application/did+json' });
    res.end(didServed);
  });
  await new Promise((r) => tls.listen(0, '127.0.0.1', r));
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0', DDC_DOMAIN_CA_FILE: path.join(tmp, 'ca.pem'), DDC_DOMAIN_RESOLVE: `${DOMAIN_HOST}:${tls.address().port}:127.0.0.1` } });
  w = await world(srv.base);
  await issuerWorld(srv.base, w);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  tls?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const get = (p, key) => request(srv.base, 'GET', p, { key });
const post = (p, json, key = w.issuerKey) => request(srv.base, 'POST', p, { key, json });

async function mint(kind = 'diploma') {
  const metadata = kind === 'diploma'
    ? { student_name: '李雷', student_id: uniq('S'), degree: 'Bachelor of Science', major: 'Physics', institution: 'Test University', conferred_on: '2026-06-30' }
    : { title: uniq('Spring Dawn'), authors: ['Li Bai'], work_type: 'music', created_on: '2026-03-01', registration_no: uniq('R') };
  const r = await post('/v1/certificates', { kind, metadata });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// axe-core on the page as it is now: no violation of any rule.
async function axe(page, what) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const v = r.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(v, [], `axe on ${what}`);
}

// Drops text as a file on the start page's drop zone; resolves the verdict the page shows.
async function dropVc(page, text, name = 'credential.json') {
  await page.evaluate(([n, t]) => {
    delete document.getElementById('file-result').dataset.vcResult;
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'application/json' }));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, text]);
  await page.waitForSelector('#file-result[data-vc-result]', { timeout: 20000 });
  return page.getAttribute('#file-result', 'data-vc-result');
}

const vcChecks = (page) => page.$$eval('#file-result .checklist li', (lis) => lis.map((li) => ({
  id: li.dataset.check, state: li.className.replace(/.*check-(\w+).*/, '$1'), text: li.textContent,
})));

test('a credential dropped on the start page gives the certificate\'s verdict, checked in the browser', async () => {
  const c = await mint();
  const verdict = await anchored(srv.base, c.code);
  const vc = await get(`/v1/verify/${c.code}/vc`);
  assert.equal(vc.status, 200);
  const { page, context, requests, errors } = await open(browser, srv.base, '/');
  assert.equal(await dropVc(page, vc.text), verdict.result);
  assert.equal(verdict.result, 'valid');
  assert.equal(await page.textContent('#file-result .status-word'), 'Valid');
  const list = await vcChecks(page);
  assert.deepEqual(list.map((x) => x.id), ['vc_proof', 'vc_key_in_log', 'vc_document_in_log', 'vc_anchored', 'vc_status']);
  assert.deepEqual(list.filter((x) => x.state !== 'ok'), [], 'every check ✓');
  assert.match(list[0].text, new RegExp(`Signed by did:web:.*#${c.key_id}`));
  assert.match(list[4].text, /signed status lists show neither revocation nor suspension/, 'read from the lists');
  assert.equal(await page.getAttribute('#file-result a', 'href'), `/c/${c.code}`);
  assert.match(await page.textContent('#file-result'), new RegExp(`certificate ${c.code}`));
  await shot(page, 'vc-valid');
  await axe(page, 'start page, a valid credential');
  // Revoked: the same credential file now gives the certificate's verdict "revoked".
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, { reason: 'test' })).status, 200);
  const rv = await until('revoked and anchored', async () => { const x = (await get(`/v1/verify/${c.code}`)).json; return x.result === 'revoked' && x; });
  assert.equal(await dropVc(page, vc.text), rv.result);
  assert.equal(await page.textContent('#file-result .status-word'), 'Revoked');
  await until('the revocation bit read in the browser', async () => {
    await dropVc(page, vc.text);
    return /status lists show it set: revocation/.test((await vcChecks(page))[4].text);
  });
  assert.equal(await page.getAttribute('#file-result', 'data-vc-result'), 'revoked');
  await shot(page, 'vc-revoked');
  await axe(page, 'start page, a revoked certificate\'s credential');
  onlyDdcd(requests, srv.base);
  assert.ok(requests.some((u) => u.endsWith(`/issuers/${w.issuer.id}/did.json`)), 'the key comes from the DID document');
  assert.ok(requests.every((u) => !u.includes('/v1/verify') || u.endsWith('/bundle')), 'no verdict is asked of the server');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a tampered credential is NOT VALID on the signature line; in Chinese too', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const vc = (await get(`/v1/verify/${c.code}/vc`)).json;
  const { page, context } = await open(browser, srv.base, '/', { locale: 'zh-CN' });
  const bad = structuredClone(vc);
  bad.credentialSubject.metadata.major = 'Physic5';
  assert.equal(await dropVc(page, JSON.stringify(bad)), 'invalid');
  assert.equal(await page.textContent('#file-result .status-word'), '无效');
  const list = await vcChecks(page);
  assert.deepEqual(list.filter((x) => x.state === "fail").map((x) => x.id), ["vc_proof"], JSON.stringify(list));
  await shot(page, 'vc-tampered-zh');
  await axe(page, 'start page, a tampered credential (zh)');
  // The same credential with another certificate's evidence: the document line fails.
  const other = await mint();
  await anchored(srv.base, other.code);
  const swapped = structuredClone(vc);
  swapped.evidence = (await get(`/v1/verify/${other.code}/vc`)).json.evidence;
  assert.equal(await dropVc(page, JSON.stringify(swapped)), 'invalid');
  assert.ok((await vcChecks(page)).some((x) => x.id === 'vc_proof' && x.state === 'fail'));
  // A JSON file without @context is an ordinary file: its hash is looked up.
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['{"a":1}'], 'plain.json', { type: 'application/json' }));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector('#file-result .nomatch');
  await context.close();
});

test('a browser without Ed25519 in WebCrypto says it cannot check, and shows the service\'s verdict as the service\'s', async () => {
  const c = await mint('copyright');
  await anchored(srv.base, c.code);
  const vc = (await get(`/v1/verify/${c.code}/vc`)).text;
  const context = await browser.newContext({ locale: 'en-GB' });
  await context.addInitScript(() => {
    const real = crypto.subtle.importKey.bind(crypto.subtle);
    crypto.subtle.importKey = (fmt, data, alg, ...rest) =>
      ((alg && alg.name) || alg) === 'Ed25519' ? Promise.reject(new DOMException('unsupported', 'NotSupportedError')) : real(fmt, data, alg, ...rest);
  });
  const page = await context.newPage();
  await page.goto(`${srv.base}/`);
  assert.equal(await dropVc(page, vc), 'unsupported');
  assert.equal(await page.textContent('#file-result .status-word'), 'Cannot check here');
  assert.match(await page.textContent('#file-result .notice'), /not checked by this browser: Valid/);
  await axe(page, 'start page, no Ed25519');
  await page.goto(`${srv.base}/c/${c.code}`);
  await done(page);
  assert.equal(await page.textContent('#status-word'), 'Could not check');
  assert.match(await page.textContent('#status-sub'), /cannot verify Ed25519/);
  await context.close();
});

test('"Download as Verifiable Credential" yields the API\'s credential', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const { page, context } = await open(browser, srv.base, `/c/${c.code}`);
  await done(page);
  assert.equal(await page.getAttribute('#vc-link', 'href'), `/v1/verify/${c.code}/vc`);
  assert.equal(await page.getAttribute('#vc-link', 'download'), `${c.code}.vc.json`);
  assert.equal(await page.textContent('#vc-link'), 'Download as Verifiable Credential');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#vc-link')]);
  assert.equal(dl.suggestedFilename(), `${c.code}.vc.json`);
  const got = fs.readFileSync(await dl.path(), 'utf8');
  assert.equal(got, (await get(`/v1/verify/${c.code}/vc`)).text);
  assert.equal(got, (await get(`/v1/certificates/${c.ddc_id}/vc`, w.issuerKey)).text);
  await axe(page, 'certificate page');
  // The downloaded file, dropped on the start page, gives the page's verdict.
  await page.goto(`${srv.base}/`);
  assert.equal(await dropVc(page, got, `${c.code}.vc.json`), 'valid');
  await context.close();
});

// A verifier key "name+keyid+base64(0x01 || pub)" of a fresh Ed25519 key.
function otherLogKey(name) {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const body = Buffer.concat([Buffer.from([1]), pub]);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), body])).digest().subarray(0, 4);
  return `${name}+${id.toString('hex')}+${body.toString('base64')}`;
}

test('the log key checked against, and its pin: none, match, mismatch (NOT VALID), forget', async () => {
  const c = await mint('copyright');
  await anchored(srv.base, c.code);
  const served = (await get('/.well-known/ddc-log')).json.verifier_key;
  const { page, context } = await open(browser, srv.base, `/c/${c.code}`);
  await done(page);
  const state = () => page.getAttribute('#pin-state', 'data-state');
  assert.match(await page.textContent('#logkey'), /published at \/\.well-known\/ddc-log/);
  assert.equal(await page.textContent('#logkey code'), served);
  assert.equal(await state(), 'none');
  await axe(page, 'pin: none');
  await page.fill('#pin', 'not a key');
  await page.click('#pin-form button[type=submit]');
  assert.match(await page.textContent('#pin-error'), /not a log key/);
  await axe(page, 'pin: a bad key');
  const pin = async (key) => {
    await page.fill('#pin', key);
    await Promise.all([page.waitForEvent('load'), page.click('#pin-form button[type=submit]')]);
    await done(page);
  };
  await pin(served);
  assert.equal(await state(), 'match');
  assert.match(await page.textContent('#logkey'), /the one you pinned/);
  assert.equal(await page.textContent('#status-word'), 'Valid');
  await shot(page, 'pin-match');
  await axe(page, 'pin: match');
  const wrong = otherLogKey(served.split('+')[0]);
  await pin(wrong);
  assert.equal(await state(), 'mismatch');
  assert.match(await page.textContent('#pin-state'), /MISMATCH/);
  assert.equal(await page.textContent('#logkey code'), wrong);
  assert.equal(await page.textContent('#status-word'), 'NOT VALID');
  assert.deepEqual((await checks(page)).filter((x) => x.state === 'fail').map((x) => x.id), ['checkpoint_signature']);
  await shot(page, 'pin-mismatch');
  await axe(page, 'pin: mismatch');
  // The start page checks a credential against the pinned key too.
  const vc = (await get(`/v1/verify/${c.code}/vc`)).text;
  await page.goto(`${srv.base}/`);
  assert.equal(await dropVc(page, vc), 'invalid');
  await page.goto(`${srv.base}/c/${c.code}`);
  await done(page);
  await Promise.all([page.waitForEvent('load'), page.click('#pin-forget')]);
  await done(page);
  assert.equal(await state(), 'none');
  assert.equal(await page.textContent('#status-word'), 'Valid');
  await context.close();
});

test('the issuer\'s domain line: "not verified" until a check is in the log, then the domain and its time', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  let o = await open(browser, srv.base, `/c/${c.code}`);
  await done(o.page);
  assert.match(await o.page.textContent('#issuer-domain'), /Issuer domain: not verified/);
  assert.equal(await o.page.getAttribute('#issuer-domain', 'data-domain'), '');
  await axe(o.page, 'certificate page, no domain check');
  // A claim alone is not a check.
  const domain = `${DOMAIN_HOST}:${tls.address().port}`;
  assert.equal((await request(srv.base, 'PUT', `/v1/accounts/${w.issuer.id}/domain`, { key: w.issuerKey, json: { domain } })).status, 200);
  await until('the claim in the log', async () => (await get(`/v1/verify/${c.code}/bundle`)).json.issuer.profile_event?.inclusion);
  await o.page.reload();
  await done(o.page);
  assert.match(await o.page.textContent('#issuer-domain'), /not verified/);
  assert.equal((await checks(o.page)).find((x) => x.id === 'issuer_profile').state, 'ok');
  await o.context.close();
  didServed = (await get(`/v1/accounts/${w.issuer.id}/domain/did.json`, w.issuerKey)).text;
  const checked = await post(`/v1/accounts/${w.issuer.id}/domain/check`);
  assert.equal(checked.status, 200, checked.text);
  const at = checked.json.domain_checked_at;
  const v = await until('the check in the log', async () => {
    const x = (await get(`/v1/verify/${c.code}`)).json;
    return x.issuer.profile?.domain_checked_at === at && x;
  });
  assert.equal(v.issuer.profile.domain, domain);
  o = await open(browser, srv.base, `/c/${c.code}`, { locale: 'zh-CN' });
  await done(o.page);
  assert.match(await o.page.textContent('#issuer-domain'), new RegExp(`签发机构域名已验证：${domain}`));
  await o.page.click('nav.lang a[lang=en]');
  await done(o.page);
  const line = await o.page.textContent('#issuer-domain');
  assert.match(line, new RegExp(`^Issuer domain verified: ${domain}, checked .*${new Date().getFullYear()}`));
  assert.equal(await o.page.getAttribute('#issuer-domain', 'data-domain'), domain);
  assert.deepEqual((await checks(o.page)).filter((x) => x.state !== 'ok'), []);
  onlyDdcd(o.requests, srv.base);
  await shot(o.page, 'domain-verified');
  await axe(o.page, 'certificate page, domain verified');
  // A bundle whose profile event was altered: the profile line fails and nothing is shown.
  await o.context.close();
  o = await open(browser, srv.base, `/c/${c.code}`, {
    bundleRoute: async (route) => {
      const res = await route.fetch();
      const b = await res.json();
      b.issuer.profile_event.canonical = b.issuer.profile_event.canonical.replace(DOMAIN_HOST, 'evil.test');
      await route.fulfill({ response: res, body: JSON.stringify(b) });
    },
  });
  await done(o.page);
  assert.equal(await o.page.textContent('#status-word'), 'NOT VALID');
  assert.deepEqual((await checks(o.page)).filter((x) => x.state === 'fail').map((x) => x.id), ['issuer_profile']);
  await o.context.close();
  // The verdict on the credential carries the logged profile too.
  const vv = await post('/v1/verify', (await get(`/v1/verify/${c.code}/vc`)).json, null);
  assert.equal(vv.json.issuer_profile.domain, domain);
});
