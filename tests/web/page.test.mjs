// page.test.mjs: the citizen's pages in a real browser (Debian's chromium, headless) against a
// real ddcd: a certificate's status and every in-browser check, the file lookup, tampered and
// witnessed bundles (served through an intercepted route), Chinese and English, a phone screen,
// the keyboard, printing, and that the pages talk to ddcd only. Screenshots: var/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createAccount, startDdcd, request, world, uniq } from '../api/lib.mjs';
import { anchored, checks, done, issuerWorld, launch, onlyDdcd, open, shot } from './lib.mjs';

let srv, w, browser;
before(async () => {
  srv = await startDdcd({ env: { DDC_ANCHOR_INTERVAL_MS: '100', DDC_PUBLIC_RATE: '0' } });
  w = await world(srv.base);
  await issuerWorld(srv.base, w);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv.stop();
});

const post = (p, json, key = w.issuerKey) => request(srv.base, 'POST', p, { key, json });

async function mint(extra = {}) {
  const r = await post('/v1/certificates', {
    kind: 'copyright',
    metadata: { title: uniq('Spring Dawn'), authors: ['Li Bai', 'Du Fu'], work_type: 'music', created_on: '2026-03-01', registration_no: uniq('R-2026') },
    ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

// Opens /c/{code}, waits for the checks; asserts nothing but ddcd was asked and no script failed.
async function certPage(code, opts) {
  const o = await open(browser, srv.base, `/c/${code}`, opts);
  o.ms = await done(o.page);
  onlyDdcd(o.requests, srv.base);
  assert.deepEqual(o.errors.filter((e) => !/404|Not Found/.test(e)), [], 'no script errors');
  return o;
}

const statusWord = (page) => page.textContent('#status-word');

test('a valid certificate: "Valid", every check passes, signed fields, QR code; security headers', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const { page, context, response } = await certPage(c.code);
  assert.equal(await statusWord(page), 'Valid');
  assert.equal(await page.getAttribute('body', 'data-result'), 'valid');
  const list = await checks(page);
  assert.deepEqual(list.filter((x) => x.state !== 'ok'), [], 'every check ✓');
  assert.deepEqual([...new Set(list.map((x) => x.id))], ['document_hash', 'document_names_certificate', 'issuer_signature', 'key_events_match', 'event_chain', 'status_matches_events', 'key_valid_at_issue', 'checkpoint_signature', 'inclusion']);
  assert.equal(list.filter((x) => x.id === 'inclusion').length, 2, 'the key event and the mint');
  assert.ok(!list.some((x) => x.id === 'witnesses'), 'no witness line without witnesses');
  const fields = await page.textContent('#fields');
  assert.match(fields, /Spring Dawn/);
  assert.match(fields, /Li Bai, Du Fu/);
  assert.match(fields, /Copyright registration/);
  assert.match(await page.textContent('#timeline'), new RegExp(`Issued to account #${w.issuer.id}`));
  assert.ok(await page.$eval('#qr', (img) => img.complete && img.naturalWidth > 0), 'the QR code loaded');
  const h = response.headers();
  assert.match(h['content-security-policy'], /script-src 'self'/);
  assert.doesNotMatch(h['content-security-policy'], /unsafe-inline|unsafe-eval/);
  assert.equal(h['referrer-policy'], 'no-referrer');
  assert.equal(h['x-content-type-options'], 'nosniff');
  await shot(page, 'valid');
  await context.close();
});

test('a revoked certificate shows "Revoked" with the signed reason and date', async () => {
  const c = await mint();
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/revoke`, { reason: 'Registered in error' })).status, 200);
  await anchored(srv.base, c.code);
  const { page, context } = await certPage(c.code);
  assert.equal(await statusWord(page), 'Revoked');
  const sub = await page.textContent('#status-sub');
  assert.match(sub, /Reason: Registered in error/);
  assert.match(sub, new RegExp(String(new Date().getFullYear())));
  assert.deepEqual((await checks(page)).filter((x) => x.state !== 'ok'), [], 'the checks still pass');
  await shot(page, 'revoked');
  await context.close();
});

test('an unknown code: "Not found"', async () => {
  const { page, context } = await certPage('aaaaaaaaaaaaaaaaaaaaaaaaaa');
  assert.equal(await statusWord(page), 'Not found');
  assert.equal(await page.getAttribute('body', 'data-result'), 'not_found');
  assert.ok(await page.$eval('#checks', (e) => e.hidden));
  await shot(page, 'not-found');
  await context.close();
});

test('the original file dropped on the start page finds its certificate; another file finds none', async () => {
  const original = Buffer.from(`${uniq('the original work')}\n%PDF-1.7 not really\n`);
  const c = await mint({ content_hash: crypto.createHash('sha256').update(original).digest('hex') });
  const { page, context, requests } = await open(browser, srv.base, '/');
  const drop = (name, bytes) => page.evaluate(([n, b]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(b)], n, { type: 'application/pdf' }));
    document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, [name, [...bytes]]);
  await drop('work.pdf', original);
  await page.waitForSelector('#file-result a');
  assert.equal(await page.getAttribute('#file-result a', 'href'), `/c/${c.code}`);
  await shot(page, 'file-match');
  await page.setInputFiles('#file', { name: 'other.pdf', mimeType: 'application/pdf', buffer: Buffer.from(uniq('another file')) });
  await page.waitForSelector('#file-result .nomatch');
  assert.match(await page.textContent('#file-result'), /No certificate was issued for other\.pdf/);
  await shot(page, 'file-no-match');
  await page.click('#file-result .nomatch'); // nothing to follow
  onlyDdcd(requests, srv.base);
  assert.ok(requests.every((u) => !u.includes('other.pdf') && !u.includes('work.pdf')), 'only the hash is sent');
  await context.close();
});

// The bundle of code with fn applied, served in place of ddcd's through an intercepted route.
const tampered = (fn) => async (route) => {
  const res = await route.fetch();
  const b = await res.json();
  fn(b);
  await route.fulfill({ response: res, body: JSON.stringify(b) });
};
const flipChar = (s, i) => s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
const flipB64 = (s) => { const b = Buffer.from(s, 'base64'); b[5] ^= 1; return b.toString('base64'); };

test('a bundle with one flipped byte shows ✗ on the line it breaks, and "NOT VALID"', async () => {
  const c = await mint();
  assert.equal((await post(`/v1/certificates/${c.ddc_id}/transfer`, { to: w.holder.id })).status, 200);
  await anchored(srv.base, c.code);
  const cases = [
    ['signature', (b) => { b.certificate.signature = flipChar(b.certificate.signature, 10); }, ['issuer_signature']],
    ['document', (b) => { b.document = b.document.replace('Spring Dawn', 'Spring Dawm'); }, ['document_hash', 'issuer_signature', 'event_chain', 'status_matches_events']],
    ['proof', (b) => { b.events[1].inclusion.proof[0] = flipB64(b.events[1].inclusion.proof[0]); }, ['inclusion:transfer']],
    ['checkpoint', (b) => { b.checkpoint = b.checkpoint.replace(/\n(\d+)\n/, (m, d) => `\n${Number(d) + 1}\n`); }, ['checkpoint_signature']],
    ['event', (b) => { b.events[1].canonical = b.events[1].canonical.replace(`"to":${w.holder.id}`, `"to":${w.holder.id + 1}`); }, ['event_chain', 'status_matches_events', 'inclusion:transfer']],
  ];
  for (const [name, fn, expect] of cases) {
    const { page, context } = await certPage(c.code, { bundleRoute: tampered(fn) });
    assert.equal(await statusWord(page), 'NOT VALID', name);
    const failed = (await checks(page)).filter((x) => x.state === 'fail')
      .map((x) => (x.id === 'inclusion' ? `inclusion:${/: (\w+)/.exec(x.label)[1]}` : x.id));
    assert.deepEqual(failed, expect, `${name}: the ✗ lines`);
    await shot(page, `tampered-${name}`);
    await context.close();
  }
});

// A witness key pair in C2SP form: verifier key "name+keyid+base64(0x04 || pub)".
function witness(name) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([4]), pub])).digest().subarray(0, 4);
  const vkey = `${name}+${id.toString('hex')}+${Buffer.concat([Buffer.from([4]), pub]).toString('base64')}`;
  // tlog-cosignature/v1: Ed25519 over "cosignature/v1\ntime <t>\n" || checkpoint body
  const cosign = (body, t = Math.floor(Date.now() / 1000)) => {
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(t));
    const sig = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${t}\n${body}`), privateKey);
    return `\u2014 ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}\n`;
  };
  return { vkey, cosign };
}

test('witness cosignatures: "n of m (quorum k)" checked in the browser; a bad one is ✗', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const ws = ['w1.example/witness', 'w2.example/witness', 'w3.example/witness'].map(witness);
  const cosigned = (signers, quorum, spoil) => tampered((b) => {
    const body = b.checkpoint.slice(0, b.checkpoint.indexOf('\n\n') + 1);
    b.witnesses = ws.map((x) => x.vkey);
    b.witness_quorum = quorum;
    let lines = signers.map((i) => ws[i].cosign(body)).join('');
    if (spoil) lines = lines.replace(/ (\S+)\n$/, (m, s) => ` ${flipB64(s)}\n`);
    b.checkpoint += lines;
  });
  const line = async (page) => (await checks(page)).find((x) => x.id === 'witnesses');
  let o = await certPage(c.code, { bundleRoute: cosigned([0, 2], 2) });
  assert.deepEqual(await line(o.page), { id: 'witnesses', state: 'ok', label: 'Witness cosignatures: 2 of 3 (quorum 2)' });
  assert.equal(await statusWord(o.page), 'Valid');
  await shot(o.page, 'witnesses-quorum');
  await o.context.close();
  o = await certPage(c.code, { bundleRoute: cosigned([1], 2) });
  assert.deepEqual(await line(o.page), { id: 'witnesses', state: 'wait', label: 'Witness cosignatures: 1 of 3 (quorum 2)' });
  assert.equal(await statusWord(o.page), 'Being recorded');
  await o.context.close();
  o = await certPage(c.code, { bundleRoute: cosigned([0, 1], 2, true) });
  assert.equal((await line(o.page)).state, 'fail');
  assert.equal(await statusWord(o.page), 'NOT VALID');
  await shot(o.page, 'witnesses-bad');
  await o.context.close();
});

test('a chain anchor: its consistency proof to the checkpoint is checked in the browser', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const sizeOf = async () => Number((await request(srv.base, 'GET', `/v1/verify/${c.code}/bundle`)).json.checkpoint.split('\n')[1]);
  const size1 = await sizeOf();
  await anchored(srv.base, (await mint()).code);
  const size2 = await sizeOf();
  assert.ok(size2 > size1);
  const cons = (await request(srv.base, 'GET', `/v1/log/proof/consistency?from=${size1}&to=${size2}`)).json;
  const withAnchor = (spoil) => tampered((b) => {
    b.chain_anchor = { chain_id: 31337, contract: `0x${'11'.repeat(20)}`, tx_hash: `0x${'22'.repeat(32)}`, block_number: 7,
      tree_size: size1, root: spoil ? flipB64(cons.root_from) : cons.root_from, consistency: cons.proof, checkpoint_size: size2 };
  });
  const line = async (page) => (await checks(page)).find((x) => x.id === 'chain_anchor');
  let o = await certPage(c.code, { bundleRoute: withAnchor(false) });
  assert.equal((await line(o.page)).state, 'ok');
  assert.equal((await line(o.page)).label, 'Anchored on chain 31337');
  assert.equal(await statusWord(o.page), 'Valid');
  await shot(o.page, 'chain-anchor');
  await o.context.close();
  o = await certPage(c.code, { bundleRoute: withAnchor(true) });
  assert.equal((await line(o.page)).state, 'fail');
  assert.equal(await statusWord(o.page), 'NOT VALID');
  await o.context.close();
});

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
async function axe(page, what) {
  await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  assert.deepEqual(r.violations.map((x) => `${x.id}: ${x.help}`), [], `axe on ${what}`);
}

test('anchors on three chains: one line per chain with its name, id, block and size, and which chains hold it', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const sizeOf = async () => Number((await request(srv.base, 'GET', `/v1/verify/${c.code}/bundle`)).json.checkpoint.split('\n')[1]);
  const size1 = await sizeOf();
  await anchored(srv.base, (await mint()).code);
  const size2 = await sizeOf();
  const cons = (await request(srv.base, 'GET', `/v1/log/proof/consistency?from=${size1}&to=${size2}`)).json;
  const entry = (name, chainId, block, spoil) => ({ name, chain_id: chainId, contract: `0x${'11'.repeat(20)}`, tx_hash: `0x${'22'.repeat(32)}`,
    block_number: block, tree_size: size1, root: spoil ? flipB64(cons.root_from) : cons.root_from, consistency: cons.proof, checkpoint_size: size2 });
  const three = (spoilB) => tampered((b) => {
    delete b.chain_anchor;
    b.chain_anchors = [entry('bsn-a', 5001, 7, false), entry('fisco-b', 5002, 70, spoilB), entry('besu-c', 5003, 700, false)];
  });
  const lines = async (page) => (await checks(page)).filter((x) => x.id === 'chain_anchor');
  let o = await certPage(c.code, { bundleRoute: three(false) });
  assert.deepEqual(await lines(o.page), [
    { id: 'chain_anchor', state: 'ok', label: 'Anchored on bsn-a (chain 5001)' },
    { id: 'chain_anchor', state: 'ok', label: 'Anchored on fisco-b (chain 5002)' },
    { id: 'chain_anchor', state: 'ok', label: 'Anchored on besu-c (chain 5003)' }]);
  const details = await o.page.$$eval('#checklist li[data-check="chain_anchor"] .detail', (ds) => ds.map((d) => d.textContent));
  assert.match(details[1], new RegExp(`^Block 70, size ${size1}: `));
  assert.equal(await o.page.getAttribute('#chains', 'data-held'), 'bsn-a,fisco-b,besu-c');
  assert.match(await o.page.textContent('#chains'), /^Chains holding this certificate: bsn-a, fisco-b, besu-c \(3 of 3/);
  assert.equal(await statusWord(o.page), 'Valid');
  await axe(o.page, 'a certificate anchored on three chains');
  await shot(o.page, 'chain-anchors-three');
  await o.context.close();
  o = await certPage(c.code, { bundleRoute: three(true) });
  assert.deepEqual((await lines(o.page)).map((x) => x.state), ['ok', 'fail', 'ok']);
  assert.equal(await o.page.getAttribute('#chains', 'data-held'), 'bsn-a,besu-c');
  assert.match(await o.page.textContent('#chains'), /bsn-a, besu-c \(2 of 3/);
  assert.equal(await statusWord(o.page), 'NOT VALID');
  await o.context.close();
});

test('Chinese from Accept-Language, English by the switch, and the choice is kept', async () => {
  const c = await mint({ kind: 'diploma', metadata: { student_name: '张三', student_id: '2022001', degree: '工学学士', major: '计算机科学与技术', institution: '北京某大学', conferred_on: '2026-07-01' } });
  await anchored(srv.base, c.code);
  const { page, context } = await certPage(c.code, { locale: 'zh-CN' });
  assert.equal(await page.getAttribute('html', 'lang'), 'zh');
  assert.equal(await statusWord(page), '有效');
  assert.match(await page.textContent('#fields'), /学历证书[\s\S]*张三[\s\S]*工学学士[\s\S]*北京某大学/);
  assert.match(await page.textContent('#checks h2'), /在本浏览器中完成的核验/);
  await shot(page, 'zh');
  await page.click('nav.lang a[lang=en]');
  await done(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await statusWord(page), 'Valid');
  assert.match(await page.textContent('#fields'), /Diploma[\s\S]*Student/);
  await page.goto(`${srv.base}/`); // the cookie keeps English despite Accept-Language
  assert.equal(await page.textContent('h1'), 'Check a certificate');
  await shot(page, 'en-after-switch');
  await context.close();
});

test('a 375 px phone screen: nothing wider than the screen, the status on the first screen', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  for (const [url, name] of [[`/c/${c.code}`, 'phone-certificate'], ['/', 'phone-index']]) {
    const { page, context } = await open(browser, srv.base, url, { viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    if (url !== '/') await done(page);
    await shot(page, name);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), `${name}: no sideways scrolling`);
    const box = await page.locator(url === '/' ? '#code' : '#status').boundingBox();
    assert.ok(box && box.y + box.height < 740 && box.width <= 375, `${name}: in the first screen`);
    await context.close();
  }
});

test('keyboard only: Tab to the labelled code field, type a pasted link, Enter opens the page', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const { page, context } = await open(browser, srv.base, '/');
  assert.equal(await page.getByLabel('Certificate code or link').count(), 1, 'the field is labelled');
  for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement?.id)) !== 'code'; i++) await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'code', 'Tab reaches the code field');
  await page.keyboard.type('not a code');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#code-error'), /not a certificate code/);
  await shot(page, 'index-bad-code');
  await page.fill('#code', `https://certs.example.org/c/${c.code.toUpperCase()}`);
  await page.focus('#code');
  await page.keyboard.press('Enter');
  await page.waitForURL(`**/c/${c.code}`);
  await done(page);
  assert.equal(await statusWord(page), 'Valid');
  const unlabelled = await page.$$eval('input, button', (els) => els.filter((e) => !(e.labels?.length || e.textContent.trim() || e.getAttribute('aria-label'))).length);
  assert.equal(unlabelled, 0);
  await context.close();
});

test('printing the certificate page: one clean A4 page with the QR code, no controls', async () => {
  const c = await mint();
  await anchored(srv.base, c.code);
  const { page, context } = await certPage(c.code);
  await page.emulateMedia({ media: 'print' });
  assert.ok(await page.isVisible('#qr'));
  assert.ok(!(await page.isVisible('#checks')) && !(await page.isVisible('#print')) && !(await page.isVisible('nav.lang')));
  await shot(page, 'print');
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, 'one A4 page');
  await context.close();
});

test('a certificate with 10 events: all checks done in the browser (time printed)', async (t) => {
  const c = await mint();
  const other = await createAccount(srv.base, w.issuerKey, 'holder');
  const steps = [['transfer', { to: w.holder.id }], ['freeze', {}], ['unfreeze', {}], ['transfer', { to: other.id }],
    ['freeze', {}], ['unfreeze', {}], ['transfer', { to: w.holder.id }], ['freeze', {}], ['unfreeze', {}]];
  for (const [op, body] of steps) {
    const r = await post(`/v1/certificates/${c.ddc_id}/${op}`, body);
    assert.equal(r.status, 200, `${op}: ${r.text}`);
  }
  await anchored(srv.base, c.code);
  const times = [];
  let o;
  for (let i = 0; i < 5; i++) {
    o = await certPage(c.code);
    times.push(o.ms);
    if (i < 4) await o.context.close();
  }
  assert.equal(await o.page.$$eval('#timeline li', (l) => l.length), 10, 'mint + 9 events');
  const list = await checks(o.page);
  assert.equal(list.filter((x) => x.id === 'inclusion').length, 11, 'the key event and the 10');
  assert.deepEqual(list.filter((x) => x.state !== 'ok'), []);
  assert.equal(await statusWord(o.page), 'Valid');
  await shot(o.page, 'ten-events');
  await o.context.close();
  times.sort((a, b) => a - b);
  t.diagnostic(`page load to "all checks done", 10 events (11 inclusion proofs): median ${times[2]} ms, min ${times[0]} ms, max ${times[4]} ms over 5 loads (shared 2-core machine: noisy)`);
});
