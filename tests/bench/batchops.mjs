// batchops.mjs: for `make bench`, a 10,000-item batch transfer (POST /v1/certificates/batch/
// transfer) timed from the client's side, beside the same number of single transfers' rate over
// the first 500. Starts its own ddcd (DDC_BIN) on the bench's database; the certificates are
// minted by one batch import first (not timed).
//   DDC_BIN=... DDC_OPERATOR_KEY_FILE=... node batchops.mjs [ITEMS]
import assert from 'node:assert/strict';
import { startDdcd, request, world, uniq } from '../api/lib.mjs';

const N = Number(process.argv[2] || 10000);
const srv = await startDdcd();
try {
  const w = await world(srv.base);
  const key = w.issuerKey;
  const call = (method, path, json, extra = {}) => request(srv.base, method, path, { key, json, ...extra });
  assert.equal((await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op,
    json: { amount_minor: 1_000_000_000, currency: 'CNY', reference: uniq('bench') } })).status, 201);
  const rows = Array.from({ length: N + 500 }, (_, i) => JSON.stringify({ metadata: { title: `bench ${i}` } })).join('\n') + '\n';
  const up = await call('POST', '/v1/batches?kind=generic', undefined, { body: rows, headers: { 'content-type': 'application/x-ndjson' } });
  assert.equal(up.status, 202, up.text);
  for (;;) {
    const b = (await call('GET', `/v1/batches/${up.json.batch_id}`)).json;
    if (b.state === 'completed') break;
    assert.ok(['running', 'quoted', 'validating'].includes(b.state), JSON.stringify(b));
    await new Promise((r) => setTimeout(r, 100));
  }
  const ids = [];
  for (let cursor = null; ;) {
    const page = (await call('GET', `/v1/certificates?issuer_id=${w.issuer.id}&limit=200${cursor ? `&cursor=${cursor}` : ''}`)).json;
    ids.push(...page.items.map((c) => c.ddc_id));
    if (!(cursor = page.next_cursor)) break;
  }
  assert.equal(ids.length, N + 500);
  const single = ids.slice(N);
  let t0 = process.hrtime.bigint();
  for (const id of single) assert.equal((await call('POST', `/v1/certificates/${id}/transfer`, { to: w.holder.id })).status, 200);
  const singleS = Number(process.hrtime.bigint() - t0) / 1e9;
  const items = ids.slice(0, N).map((id) => ({ ddc_id: id, to: w.holder.id }));
  t0 = process.hrtime.bigint();
  const r = await call('POST', '/v1/certificates/batch/transfer', { items });
  const batchS = Number(process.hrtime.bigint() - t0) / 1e9;
  assert.equal(r.status, 200, r.text.slice(0, 500));
  assert.equal(r.json.count, N);
  const fmt = (x) => x.toFixed(0).padStart(8);
  console.log(`${`batch transfer, ${N} items`.padEnd(34)} ${fmt(N / batchS)} items/s  (${batchS.toFixed(2)} s for the one request, all or nothing)`);
  console.log(`${'single transfers, one by one'.padEnd(34)} ${fmt(single.length / singleS)} items/s  (${single.length} sequential requests, ${(singleS / single.length * 1000).toFixed(2)} ms each)`);
} finally {
  await srv.stop();
}
