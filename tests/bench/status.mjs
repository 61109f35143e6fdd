// status.mjs: the status-list rows of `make bench` (run by tests/bench/run.sh with the bench's
// ddcd URL as argument and DDC_DATABASE_URL, DDC_OPERATOR_KEY_FILE set). One issuer gets
// 1,000,000 certificates (one minted through the API, the rest SQL copies of it, each with its
// status-list entry drawn by ddc_status_reserve, 1% revoked and 1% frozen): eight lists. Timed:
// their first publication (both purposes, all lists, from the commit to the last one stored),
// then per list, a revoke through the API until the list served shows the bit (publication in
// the publisher thread, signing, storing, logging, serving). Prints one line per figure.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';
import { request, createAccount, createKey, operatorKey, uniq, until } from '../api/lib.mjs';

const base = process.argv[2];
const N = Number(process.argv[3] || 1000000);
const sql = (q) => execFileSync('psql', [process.env.DDC_DATABASE_URL, '-qXAt', '-v', 'ON_ERROR_STOP=1', '-c', q],
  { maxBuffer: 1 << 26 }).toString().trim();
const op = operatorKey();

const iss = await createAccount(base, op, 'issuer');
const key = (await createKey(base, op, iss.id)).key;
const recharge = await request(base, 'POST', `/v1/accounts/${iss.id}/recharges`,
  { key: op, json: { amount_minor: 9000000000000, currency: 'CNY', reference: uniq('status').replace(/ /g, '-') } });
assert.equal(recharge.status, 201, recharge.text);
const first = await request(base, 'POST', '/v1/certificates', { key, json: { kind: 'generic', metadata: { title: 'status bench' } } });
assert.equal(first.status, 201, first.text);

// the copies, in one transaction
let t0 = Date.now();
sql(`WITH r AS (SELECT o_list, o_index, row_number() OVER () AS k FROM ddc_status_reserve(${iss.id}, ${N - 1}))
  INSERT INTO certificates (ddc_id, code, issuer_id, owner_id, kind, document, cert_hash, signature, key_id,
                            issued_at, last_event_hash, status, status_list, status_index)
  SELECT nextval('ddc_id_seq'), translate(substr(md5('status' || k) || md5(k || '.status'), 1, 26), '0189', 'wxyz'),
         t.issuer_id, t.owner_id, t.kind, t.document, t.cert_hash, t.signature, t.key_id, t.issued_at,
         t.last_event_hash, CASE k % 100 WHEN 0 THEN 'revoked' WHEN 1 THEN 'frozen' ELSE 'active' END,
         r.o_list, r.o_index
  FROM r, certificates t WHERE t.ddc_id = ${first.json.ddc_id}`);
const fillS = (Date.now() - t0) / 1000;
const lists = Number(sql(`SELECT count(*) FROM status_lists WHERE issuer_id = ${iss.id}`));
// the lists made by the copies are waiting to be published; list 0 (the API mint's) is marked
sql(`INSERT INTO status_dirty SELECT ${iss.id}, list FROM status_lists WHERE issuer_id = ${iss.id} ON CONFLICT DO NOTHING`);
t0 = Date.now();
await until('the first publication of every list', () =>
  sql(`SELECT count(*) FROM status_dirty WHERE issuer_id = ${iss.id}`) === '0' &&
  Number(sql(`SELECT count(*) FROM status_published WHERE issuer_id = ${iss.id}
              AND published_at >= now() - interval '10 minutes'`)) === 2 * lists, 600000);
const firstS = (Date.now() - t0) / 1000;

// per list: a revoke through the API until the served list shows it
const bitSet = (text, idx) => {
  const bits = zlib.gunzipSync(Buffer.from(JSON.parse(text).credentialSubject.encodedList.slice(1), 'base64url'));
  return (bits[idx >> 3] & (0x80 >> (idx & 7))) !== 0;
};
const times = [];
for (let n = 0; n < lists; n++) {
  const [ddc, idx] = sql(`SELECT ddc_id || ',' || status_index FROM certificates WHERE issuer_id = ${iss.id}
    AND status_list = ${n} AND status = 'active' ORDER BY ddc_id DESC LIMIT 1`).split(',').map(Number);
  const path = `/v1/status/${iss.id}/revocation/${n}`;
  const before = await request(base, 'GET', path);
  assert.equal(before.status, 200, before.text);
  assert.equal(bitSet(before.text, idx), false);
  const start = process.hrtime.bigint();
  const r = await request(base, 'POST', `/v1/certificates/${ddc}/revoke`, { key, json: { reason: 'bench' } });
  assert.equal(r.status, 200, r.text);
  for (;;) {
    const got = await request(base, 'GET', path);
    if (got.status === 200 && bitSet(got.text, idx)) break;
    assert.ok(process.hrtime.bigint() - start < 30_000_000_000n, `list ${n} not republished within 30 s`);
    await new Promise((res) => setTimeout(res, 2));
  }
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const revoked = sql(`SELECT count(*) FILTER (WHERE status = 'revoked') || ' revoked, ' || count(*) FILTER (WHERE status = 'frozen')
  || ' frozen' FROM certificates WHERE issuer_id = ${iss.id}`);
const label = (s) => s.padEnd(34);
console.log(`${label(`status list, issuer of ${N / 1e6}M certs`)} p50 ${times[times.length >> 1].toFixed(0).padStart(6)} ms  max ${times[times.length - 1].toFixed(0).padStart(6)} ms per list` +
  `  (revoke to the list served with its bit; ${lists} lists, ${revoked}; aim < 1000 ms)`);
console.log(`${label('  first publication of every list')} ${firstS.toFixed(2)} s for ${lists} lists x 2 purposes` +
  ` (from the commit, up to an anchor interval's wait included; ${N - 1} SQL copies written in ${fillS.toFixed(1)} s)`);
