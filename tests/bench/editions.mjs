// editions.mjs: the edition rows of `make bench` (run by tests/bench/run.sh after its other rows,
// with DDC_DATABASE_URL, DDC_DATA_DIR, DDC_BIN and DDC_OPERATOR_KEY_FILE set): edition transfers
// per second (POST /v1/editions/{id}/transfer, 32 in flight between 8 holders of one edition, and
// of 8 editions at once) beside single-certificate transfers (POST /v1/certificates/{id}/transfer,
// 32 in flight), each for DUR seconds on its own ddcd. Prints one line per figure.
import assert from 'node:assert/strict';
import { startDdcd, request, world, createAccount } from '../api/lib.mjs';

const DUR = Number(process.env.DDC_BENCH_DUR || 5) * 1000;
const INFLIGHT = 32;
const post = (base, p, key, json) => request(base, 'POST', p, { key, json, agent: undefined });

// Runs next() INFLIGHT at a time until DUR has passed; returns {ok, other, rate}.
async function drive(next) {
  let ok = 0, other = 0, i = 0;
  const end = Date.now() + DUR, t0 = Date.now();
  await Promise.all(Array.from({ length: INFLIGHT }, async () => {
    while (Date.now() < end) {
      const r = await next(i++);
      if (r.status === 200) ok++; else other++;
    }
  }));
  return { ok, other, rate: ok / ((Date.now() - t0) / 1000) };
}

const srv = await startDdcd({ env: { DDC_PUBLIC_RATE: '0' } });
try {
  const w = await world(srv.base);
  const r = await post(srv.base, `/v1/accounts/${w.issuer.id}/recharges`, w.op, { amount_minor: 9e12, currency: 'CNY', reference: `bench-ed-${process.pid}` });
  assert.equal(r.status, 201, r.text);
  const holders = [];
  for (let i = 0; i < 8; i++) holders.push((await createAccount(srv.base, w.issuerKey, 'holder')).id);
  const mintEdition = async () => {
    const e = await post(srv.base, '/v1/editions', w.issuerKey, { kind: 'generic', metadata: { title: 'bench edition' }, supply: 8_000_000 });
    assert.equal(e.status, 201, e.text);
    for (const h of holders) assert.equal((await post(srv.base, `/v1/editions/${e.json.ddc_id}/transfer`, w.issuerKey, { to: h, amount: 1_000_000 })).status, 200);
    return e.json.ddc_id;
  };
  const one = await mintEdition();
  const moveIn = (ddc) => (i) => post(srv.base, `/v1/editions/${ddc}/transfer`, w.issuerKey, { from: holders[i % 8], to: holders[(3 * i + 1) % 8], amount: 1 + (i % 5) });
  const single = await drive(moveIn(one));
  const eds = [];
  for (let i = 0; i < 8; i++) eds.push(await mintEdition());
  const many = await drive((i) => moveIn(eds[i % 8])(i >> 3));
  // single certificates: one per transfer, moved between the holders
  const certs = [];
  for (let i = 0; i < 2000; i++) {
    const c = await post(srv.base, '/v1/certificates', w.issuerKey, { kind: 'generic', metadata: { title: `bench ${i}` }, owner_id: holders[i % 8] });
    assert.equal(c.status, 201, c.text);
    certs.push({ ddc: c.json.ddc_id, owner: i % 8 });
  }
  const cert = await drive((i) => {
    const c = certs[i % certs.length];
    c.owner = (c.owner + 1) % 8;
    return post(srv.base, `/v1/certificates/${c.ddc}/transfer`, w.issuerKey, { to: holders[c.owner] });
  });
  const fmt = (x) => x.rate.toFixed(0).padStart(8);
  console.log(`${'edition transfers, one edition'.padEnd(34)} ${fmt(single)} req/s  (${single.ok} in ${DUR / 1000} s, ${INFLIGHT} in flight between 8 holders; ${single.other} non-200: in one edition they run one after the other)`);
  console.log(`${'edition transfers, 8 editions'.padEnd(34)} ${fmt(many)} req/s  (${many.ok} in ${DUR / 1000} s, ${INFLIGHT} in flight; ${many.other} non-200)`);
  console.log(`${'single-certificate transfers'.padEnd(34)} ${fmt(cert)} req/s  (${cert.ok} in ${DUR / 1000} s, ${INFLIGHT} in flight over ${certs.length} certificates; ${cert.other} non-200)`);
} finally {
  await srv.stop();
}
