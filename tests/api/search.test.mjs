// search.test.mjs: GET /v1/certificates as a search for integrations and the console: exact
// external_ref, words of the metadata's text values (Chinese of 1, 2 and 3+ characters, case,
// LIKE wildcards taken literally), the issue-time range, newest-first paging, and that every
// search stays within what the caller may see.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, assertProblem, world, createAccount, createKey, uniq } from './lib.mjs';

let srv;
before(async () => { srv = await startDdcd(); });
after(async () => { await srv.stop(); });

const get = (p, key) => request(srv.base, 'GET', p, { key });
const post = (p, key, json) => request(srv.base, 'POST', p, { key, json });

async function funded() {
  const w = await world(srv.base);
  for (const id of [w.issuer.id, w.issuer2.id]) {
    const r = await post(`/v1/accounts/${id}/recharges`, w.op, { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('ref') });
    assert.equal(r.status, 201, r.text);
  }
  return w;
}

async function mint(key, kind, metadata, extra = {}) {
  const r = await post('/v1/certificates', key, { kind, metadata, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json;
}

const copyright = (title, authors, registration_no) =>
  ({ title, authors, work_type: 'literary', created_on: '2024-04-01', registration_no });

// Every page of a search, following next_cursor; the ddc_ids in the order given.
async function search(key, q) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await get(`/v1/certificates?limit=2${q}${cursor ? `&cursor=${cursor}` : ''}`, key);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (cursor === null) return out;
  }
  assert.fail('too many pages');
}
const ids = (items) => items.map((c) => c.ddc_id);
const enc = encodeURIComponent;

test('search: external_ref, words (Chinese too), dates, order, and only what the caller may see', async () => {
  const w = await funded();
  const tag = `t${process.pid}x${Date.now() % 100000}`; // a word no other suite's certificate holds
  const a = await mint(w.issuerKey, 'copyright', copyright(`春江花月夜 ${tag}`, ['张若虚'], `REG-${tag}-1`), { external_ref: `case-${tag}-1` });
  const b = await mint(w.issuerKey, 'copyright', copyright(`Spring River ${tag}`, ['Zhang Ruoxu', '李白'], `REG-${tag}-2`));
  const c = await mint(w.issuerKey, 'diploma', { student_name: '张伟', student_id: "S2024001", degree: '工学学士', major: '计算机科学与技术', institution: 'Example University', conferred_on: '2024-06-30', note: '100%_done' }, { owner_id: w.holder.id, external_ref: `case-${tag}-3` });
  const other = await mint(w.issuer2Key, 'copyright', copyright(`春江花月夜 ${tag}`, ['张若虚'], `REG-${tag}-9`), { external_ref: `case-${tag}-1` });

  // exact external_ref: one index probe, the issuer's own only
  assert.deepEqual(ids(await search(w.issuerKey, `&external_ref=case-${tag}-1`)), [a.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&external_ref=case-${tag}`)), [], 'exact, not a prefix');
  assert.deepEqual(ids(await search(w.op, `&external_ref=case-${tag}-1`)), [a.ddc_id, other.ddc_id]);
  const found = (await search(w.issuerKey, `&external_ref=case-${tag}-3`))[0];
  assert.equal(found.metadata.student_name, '张伟', 'items carry their metadata');

  // words: all must occur, any text value, any case
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${tag}`)), [a.ddc_id, b.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc(`spring ${tag}`)}`)), [b.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc(`${tag.toUpperCase()} zhang`)}`)), [b.ddc_id], 'authors are searched, case ignored');
  assert.deepEqual(ids(await search(w.issuerKey, `&q=REG-${tag}-2`)), [b.ddc_id], 'registration number');
  // Chinese: 3+ characters (trigram index), 2 and 1 characters (narrowed scan), ideographic space
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc(`花月夜 ${tag}`)}`)), [a.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc('计算机科学')}&external_ref=case-${tag}-3`)), [c.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc(`李白　${tag}`)}`)), [b.ddc_id], 'U+3000 separates words');
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc('张伟')}&kind=diploma&issued_from=${enc(a.issued_at)}`)), [c.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc(`春 ${tag}`)}`)), [a.ddc_id], 'one character');
  // LIKE wildcards are plain characters
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc('100%_done')}&issued_from=${enc(a.issued_at)}`)), [c.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc('1%0')}&issued_from=${enc(a.issued_at)}`)), []);
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${enc('%')}&issued_from=${enc(a.issued_at)}`)), [c.ddc_id]);

  // dates and order
  assert.deepEqual(ids(await search(w.issuerKey, `&issued_from=${enc(b.issued_at)}&issued_to=${enc(c.issued_at)}`)), [b.ddc_id]);
  assert.deepEqual(ids(await search(w.issuerKey, `&issued_from=${enc(a.issued_at)}&order=desc`)), [c.ddc_id, b.ddc_id, a.ddc_id], 'newest first, paged');
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${tag}&status=revoked`)), []);
  await post(`/v1/certificates/${b.ddc_id}/revoke`, w.issuerKey, { reason: 'test' });
  assert.deepEqual(ids(await search(w.issuerKey, `&q=${tag}&status=revoked`)), [b.ddc_id]);

  // within what the caller may see
  assert.deepEqual(ids(await search(w.holderKey, `&q=${enc('张伟')}`)), [c.ddc_id], 'the holder its own');
  assert.deepEqual(ids(await search(w.holderKey, `&q=${tag}`)), []);
  assert.deepEqual(ids(await search(w.issuer2Key, `&q=${tag}`)), [other.ddc_id]);
  assert.deepEqual(ids(await search(w.issuer2Key, `&external_ref=case-${tag}-3`)), []);
  const stranger = await createAccount(srv.base, w.op, 'issuer');
  const strangerKey = (await createKey(srv.base, w.op, stranger.id)).key;
  assert.deepEqual(ids(await search(strangerKey, `&q=${tag}`)), []);
  assertProblem(await get(`/v1/certificates?q=${tag}&issuer_id=${w.issuer.id}`, strangerKey), 403, 'forbidden', 'issuer_id');
  assert.deepEqual(ids(await search(w.op, `&q=${enc(`花月夜 ${tag}`)}`)), [a.ddc_id, other.ddc_id]);
});

test('search: bad parameters are named', async () => {
  const w = await funded();
  const bad = async (q, field) => assertProblem(await get(`/v1/certificates?${q}`, w.issuerKey), 400, 'invalid_parameter', field);
  await bad('q=', 'q');
  await bad(`q=${enc('   ')}`, 'q');
  await bad(`q=${enc('a b c d e f g h i')}`, 'q');
  await bad(`q=${'x'.repeat(101)}`, 'q');
  await bad('external_ref=', 'external_ref');
  await bad(`external_ref=${'r'.repeat(201)}`, 'external_ref');
  await bad('issued_from=yesterday', 'issued_from');
  await bad('issued_to=2024-13-01', 'issued_to');
  await bad('issued_from=2024-02-01&issued_to=2024-02-01', 'issued_to');
  await bad('order=up', 'order');
  const ok = await get(`/v1/certificates?q=${enc('a b c d e f g h')}&q2=1`, w.issuerKey);
  assertProblem(ok, 400, 'unknown_parameter');
  const r = await get(`/v1/certificates?q=${'字'.repeat(100)}`, w.issuerKey);
  assert.equal(r.status, 200, '100 characters, whatever their bytes');
});
