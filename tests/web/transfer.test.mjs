// transfer.test.mjs: a certificate moved between two operators' ddcd (two PostgreSQL clusters,
// two logs, two log keys), seen in a real browser: the operators pin each other, A's issuer
// exports a certificate to a holder at B and the export completes; A's page says "Moved" with the
// link to its page at B; B's page shows where it came from and every check passes in both logs
// (B's and, for the source's bundle, A's); both pages have no axe-core violation. B's proof
// bundle dropped on B's start page is checked there (valid), and with its source's bundle altered
// it fails (imported_source ✗); POST /v1/verify and `ddcd verify --peer-key` agree. An export to
// a peer that never answers leaves A's page saying "Being moved" to that peer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { cluster } from '../api/cluster.mjs';
import { request, runDdcd, startDdcd, until, uniq, world } from '../api/lib.mjs';
import { done, issuerWorld, launch, onlyDdcd, open, shot } from './lib.mjs';

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// axe-core on the page as it is now: no violation of any rule.
async function axe(page, what) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const v = r.violations.map((x) => `${x.id}: ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  assert.deepEqual(v, [], `axe on ${what}`);
}

// A free loopback port, so that a ddcd's public URL can name it before it starts.
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// One operator: its own database cluster and ddcd, named by its log origin (`ddcd init` names
// the log by it) and public URL.
async function operator(tag) {
  const saved = process.env.DDC_LOG_ORIGIN;
  process.env.DDC_LOG_ORIGIN = `${tag}.test/log`;
  const c = await cluster(tag).finally(() => {
    if (saved === undefined) delete process.env.DDC_LOG_ORIGIN;
    else process.env.DDC_LOG_ORIGIN = saved;
  });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...c.env, DDC_LOG_ORIGIN: `${tag}.test/log`, DDC_PUBLIC_URL: base, DDC_ANCHOR_INTERVAL_MS: '100' };
  const srv = await startDdcd({ env, command: ['serve', '--listen', `127.0.0.1:${port}`] });
  const w = await world(srv.base, c.op);
  const key = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
  return { c, srv, w, env, key, base: srv.base };
}

// A note verifier key (name+keyid+base64(0x01 || Ed25519 key)) of a log no one runs.
function strayLogKey(name) {
  const pub = crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const body = Buffer.concat([Buffer.from([1]), pub]);
  const id = crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), body])).digest().subarray(0, 4);
  return `${name}+${id.toString('hex')}+${body.toString('base64')}`;
}

let A, B, browser, moved;
before(async () => {
  A = await operator('xa');
  B = await operator('xb');
  await issuerWorld(A.base, A.w);
  for (const [me, peer, name] of [[A, B, 'b'], [B, A, 'a']]) {
    const r = await request(me.base, 'POST', '/v1/peers', { key: me.w.op, json: { name, url: peer.base, log_key: peer.key } });
    assert.equal(r.status, 201, r.text);
  }
  const r = await request(A.base, 'POST', '/v1/peers', { key: A.w.op, json: { name: 'c', url: `http://127.0.0.1:${await freePort()}`, log_key: strayLogKey('c.test/log') } });
  assert.equal(r.status, 201, r.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const o of [A, B]) {
    await o?.srv.stop();
    o?.c.destroy();
  }
});

// A certificate at A, owned by A's holder, exported to account `to` at peer; resolves {cert, export}.
async function startExport(peer, to) {
  const m = await request(A.base, 'POST', '/v1/certificates', {
    key: A.w.issuerKey,
    json: { kind: 'copyright', owner_id: A.w.holder.id, metadata: { title: uniq('Spring Dawn'), authors: ['Li Bai'], work_type: 'music', created_on: '2026-03-01', registration_no: uniq('R') } },
  });
  assert.equal(m.status, 201, m.text);
  // a 503 is for the client to retry with the same Idempotency-Key (as any client would)
  const idem = uniq('export').replace(/\W/g, '');
  let x;
  for (let i = 0; i < 5 && (!x || x.status === 503); i++) {
    x = await request(A.base, 'POST', `/v1/certificates/${m.json.ddc_id}/export`, {
      key: A.w.issuerKey, headers: { 'Idempotency-Key': idem }, json: { peer, to },
    });
  }
  assert.equal(x.status, 202, x.text);
  assert.equal(x.json.status, 'exporting');
  return { m, x };
}

// An export to B's holder; resolves once A says moved and B's verdict is valid.
async function exportOne() {
  const { m } = await startExport('b', B.w.holder.id);
  const v = await until('the export to complete', async () => {
    const r = await request(A.base, 'GET', `/v1/verify/${m.json.code}`);
    return r.json?.result === 'moved' ? r.json : null;
  }, 60000);
  const b = await until('B to settle the import', async () => {
    const r = await request(B.base, 'GET', `/v1/verify/${v.moved_to.code}`);
    return r.json?.result === 'valid' ? r.json : null;
  }, 20000);
  return { a: m.json, movedTo: v.moved_to, verdictB: b };
}

async function certPage(o, code, name) {
  const p = await open(browser, o.base, `/c/${code}`);
  await done(p.page);
  onlyDdcd(p.requests, o.base);
  assert.deepEqual(p.errors.filter((e) => !/404|Not Found/.test(e)), [], 'no script errors');
  await shot(p.page, name);
  return p;
}

const listOf = (page, sel) => page.$$eval(`${sel} li`, (lis) => lis.map((li) => ({
  id: li.dataset.check, state: li.className.replace(/.*check-(\w+).*/, '$1'), label: li.querySelector('strong').textContent,
})));

test('an export to a peer that does not answer: A\'s page says "Being moved" to it', async () => {
  const { m } = await startExport('c', 5);
  await until('the exporting verdict', async () => (await request(A.base, 'GET', `/v1/verify/${m.json.code}`)).json?.result === 'exporting');
  const { page, context } = await certPage(A, m.json.code, 'transfer-exporting');
  assert.equal(await page.textContent('#status-word'), 'Being moved');
  assert.match(await page.textContent('#status-sub'), /being moved to c /);
  assert.deepEqual((await listOf(page, '#checklist')).filter((c) => c.state !== 'ok'), [], 'every check ✓');
  assert.match(await page.textContent('#timeline'), /Move to c started \(to account #5 there\)/);
  await axe(page, 'the page of a certificate being moved');
  await context.close();
});

test('an export completes: A\'s page says "Moved" with the link to B\'s page', async () => {
  moved = await exportOne();
  assert.equal(moved.movedTo.peer, 'b');
  assert.equal(moved.movedTo.url, `${B.base}/c/${moved.movedTo.code}`);
  const { page, context } = await certPage(A, moved.a.code, 'transfer-moved');
  assert.equal(await page.textContent('#status-word'), 'Moved');
  assert.equal(await page.getAttribute('body', 'data-result'), 'moved');
  assert.match(await page.textContent('#status-sub'), new RegExp(`Moved to b .*${moved.movedTo.code}`));
  assert.equal(await page.getAttribute('#moved-link', 'href'), moved.movedTo.url);
  assert.deepEqual((await listOf(page, '#checklist')).filter((c) => c.state !== 'ok'), [], 'every check ✓ at A');
  assert.match(await page.textContent('#timeline'), /Moved to b, code/);
  await axe(page, 'the moved certificate\'s page');
  await context.close();
});

test('B\'s page shows the provenance and every check of both logs passes', async () => {
  assert.ok(moved, 'the export of the test before');
  assert.deepEqual(moved.verdictB.imported_from, { peer: 'a', code: moved.a.code, ddc_id: moved.a.ddc_id });
  const { page, context } = await certPage(B, moved.movedTo.code, 'transfer-imported');
  assert.equal(await page.textContent('#status-word'), 'Valid');
  assert.equal(await page.textContent('#provenance'), `Imported from a, code ${moved.a.code} (certificate #${moved.a.ddc_id} there).`);
  assert.match(await page.textContent('#provenance-logs'), /Both logs were checked/);
  const own = await listOf(page, '#checklist'), source = await listOf(page, '#source-checklist');
  assert.deepEqual(own.filter((c) => c.state !== 'ok'), [], 'every check ✓ in B\'s log');
  assert.deepEqual(source.filter((c) => c.state !== 'ok'), [], 'every check ✓ in A\'s log');
  assert.ok(own.some((c) => c.id === 'imported_source'), 'the tie between the logs is a check');
  assert.ok(own.some((c) => c.id === 'inclusion' && /import/.test(c.label)), 'the imported event in B\'s log');
  assert.ok(source.some((c) => c.id === 'inclusion' && /move started/.test(c.label)), 'the export event in A\'s log');
  assert.ok(source.some((c) => c.id === 'checkpoint_signature'), 'A\'s checkpoint');
  assert.match(await page.textContent('#source-checks-h'), /log of a/);
  assert.match(await page.textContent('#timeline'), new RegExp(`Imported from a, where its code was ${moved.a.code}`));
  await axe(page, 'the imported certificate\'s page');
  await context.close();
});

test('B\'s bundle: valid dropped on B\'s start page, in POST /v1/verify and ddcd verify; its source altered, not', async () => {
  assert.ok(moved, 'the export of the first test');
  const bundle = (await request(B.base, 'GET', `/v1/verify/${moved.movedTo.code}/bundle`)).json;
  const tampered = structuredClone(bundle);
  const ev = tampered.imported_from.bundle.events.at(-1);
  ev.canonical = ev.canonical.replace(/"to":\d+/, `"to":${B.w.holder2.id}`); // the export to someone else
  const drop = async (b, name) => {
    const { page, context } = await open(browser, B.base, '/');
    await page.setInputFiles('#file', { name, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(b)) });
    await page.waitForSelector('#file-result[data-bundle-result]', { timeout: 20000 });
    const result = await page.getAttribute('#file-result', 'data-bundle-result');
    const failed = await page.$$eval('#file-result li.check-fail', (lis) => lis.map((li) => li.dataset.check));
    await shot(page, `transfer-drop-${result}`);
    if (result === 'valid') await axe(page, 'the start page with a checked bundle');
    await context.close();
    return { result, failed };
  };
  assert.deepEqual(await drop(bundle, 'imported.bundle.json'), { result: 'valid', failed: [] });
  const bad = await drop(tampered, 'tampered.bundle.json');
  assert.equal(bad.result, 'invalid');
  assert.ok(bad.failed.includes('imported_source'), `imported_source fails: ${bad.failed}`);

  const post = async (b) => (await request(B.base, 'POST', '/v1/verify', { json: b })).json;
  const good = await post(bundle);
  assert.equal(good.result, 'valid', JSON.stringify(good.checks.filter((c) => !c.ok)));
  assert.deepEqual(good.imported_from, { peer: 'a', code: moved.a.code, ddc_id: moved.a.ddc_id });
  const no = await post(tampered);
  assert.equal(no.result, 'invalid');
  assert.equal(no.checks.find((c) => c.name === 'imported_source').ok, false);

  const file = path.join(B.c.work, 'imported.bundle.json');
  fs.writeFileSync(file, JSON.stringify(bundle));
  const cli = await runDdcd(['verify', file, '--log-key', B.key, '--peer-key', A.key]);
  assert.equal(cli.code, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, new RegExp(`imported from: a, code ${moved.a.code}`));
  const other = await runDdcd(['verify', file, '--log-key', B.key, '--peer-key', B.key]);
  assert.equal(other.code, 1, 'another source key: imported_source fails');
});
