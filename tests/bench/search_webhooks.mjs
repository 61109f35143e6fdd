// search_webhooks.mjs: the search and webhook rows of `make bench` (run by tests/bench/run.sh
// after the fill, with DDC_DATABASE_URL, DDC_DATA_DIR, DDC_OPERATOR_KEY_FILE and DDC_BIN set).
// Search: GET /v1/certificates latency (one connection, one request at a time) at the database's
// size (the 1,000,000 of the fill and the batch's diplomas), for an exact external_ref, a Latin
// word, a Chinese word of 3+ characters, a Chinese word of 2 narrowed by kind and dates and a
// status filter, as the operator and as the issuer of the batch. Webhooks: a backlog of
// DELIVERIES deliveries to a local receiver in a database of its own (so that no other ddcd
// claims them), timed from the first to the last. Prints one line per figure.
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { startDdcd, request, createKey, operatorKey, world, ownDatabase, uniq } from '../api/lib.mjs';

const QUERIES = 300;
const DELIVERIES = Number(process.env.DDC_BENCH_DELIVERIES || 20000);
const sql = (url, q) => execFileSync('psql', [url, '-qXAtc', q]).toString().trim();
const pct = (xs, p) => xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

// CHINESE diplomas with Chinese names and a Chinese major, minted through the API just before the
// search rows (the filler has no Chinese text): what the Chinese queries find, the 2-character one
// within a date range starting just before them.
const CHINESE = 200;
const NAMES = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨磊', '赵敏', '黄勇'];

async function searchRows() {
  const url = process.env.DDC_DATABASE_URL;
  const srv = await startDdcd();
  try {
    const op = operatorKey();
    const total = sql(url, 'SELECT count(*) FROM certificates');
    // the issuer with the most certificates holding an external_ref (the batch's), and its size
    const [issuer, count] = sql(url, `SELECT issuer_id, (SELECT count(*) FROM certificates a WHERE a.issuer_id = c.issuer_id)
                                      FROM certificates c WHERE external_ref IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).split('|');
    const issuerKey = (await createKey(srv.base, op, Number(issuer))).key;
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < CHINESE; i++) {
      const m = await request(srv.base, 'POST', '/v1/certificates', { key: issuerKey, json: { kind: 'diploma', metadata: {
        student_name: `${NAMES[i % NAMES.length]}${i}`, student_id: `CN${i}`, degree: '工学学士', major: '计算机科学与技术',
        institution: 'Example University', conferred_on: '2026-06-30' } } });
      assert.equal(m.status, 201, m.text);
    }
    const refs = sql(url, `SELECT external_ref FROM certificates WHERE issuer_id = ${Number(issuer)} AND external_ref IS NOT NULL ORDER BY random() LIMIT ${QUERIES}`).split('\n').filter(Boolean);
    const words = sql(url, `SELECT w FROM (SELECT regexp_split_to_table(document::jsonb #>> '{metadata,student_name}', '[ ,]+') AS w
                            FROM certificates TABLESAMPLE SYSTEM (1) WHERE kind = 'diploma') s WHERE length(w) >= 3 LIMIT ${QUERIES}`).split('\n').filter(Boolean);
    const enc = encodeURIComponent;
    const kinds = [
      ['external_ref', (i) => `external_ref=${enc(refs[i % refs.length])}`],
      ['q, a Latin word', (i) => `q=${enc(words[i % words.length] || 'Student')}&limit=20`],
      ['q, a Chinese word of 3+ chars', () => `q=${enc('计算机')}&limit=20`],
      ['q, 2 Chinese chars + kind, dates', (i) => `q=${enc(NAMES[i % NAMES.length])}&kind=diploma&issued_from=${enc(since)}&limit=20`],
      ['status=revoked', () => 'status=revoked&limit=20'],
    ];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const [who, key] of [['operator', op], [`issuer (${count} certificates)`, issuerKey]])
      for (const [label, q] of kinds) {
        const ms = [];
        for (let i = 0; i < QUERIES; i++) {
          const t0 = process.hrtime.bigint();
          const r = await request(srv.base, 'GET', `/v1/certificates?${q(i)}`, { key, agent });
          ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
          assert.equal(r.status, 200, r.text);
        }
        console.log(`${`search ${label}, ${who}`.padEnd(72)} p50 ${pct(ms, 0.5).toFixed(2)} ms  p99 ${pct(ms, 0.99).toFixed(2)} ms`);
      }
    console.log(`(search: ${total} certificates, ${CHINESE} of them then minted with Chinese names for the Chinese queries)`);
    agent.destroy();
  } finally {
    await srv.stop();
  }
}

async function deliveryRow() {
  const db = await ownDatabase('whbench');
  // the receiver counts distinct webhook-ids; the main loop never blocks while it runs (no
  // synchronous psql until all have arrived), so the figure is ddcd's, not the receiver's
  let got = 0, all;
  const ids = new Set(), arrived = new Promise((r) => { all = r; });
  const rx = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      got++;
      ids.add(req.headers['webhook-id']);
      res.writeHead(204).end();
      if (ids.size === DELIVERIES) all(Date.now());
    });
  });
  await new Promise((r) => rx.listen(0, '127.0.0.1', r));
  const srv = await startDdcd({ env: { ...db.env, DDC_WEBHOOK_ALLOW_PRIVATE: '1' } });
  try {
    const w = await world(srv.base, db.op);
    await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: db.op, json: { amount_minor: 1e9, currency: 'CNY', reference: uniq('b') } });
    for (let i = 0; i < 10; i++)
      assert.equal((await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('t') } } })).status, 201);
    execFileSync('psql', [db.env.DDC_DATABASE_URL, '-qX', '-v', 'ON_ERROR_STOP=1', '-v', `fill=${DELIVERIES}`, '-f', 'tests/bench/fill.sql']);
    const h = await request(srv.base, 'POST', '/v1/webhooks', { key: w.issuerKey, json: { url: `http://127.0.0.1:${rx.address().port}/`, events: ['mint'] } });
    assert.equal(h.status, 201, h.text);
    const t0 = Date.now();
    db.sql(`INSERT INTO webhook_outbox (webhook_id, event_id, ddc_id) SELECT ${h.json.id}, id, ddc_id FROM events WHERE type = 'mint'`);
    const s = ((await arrived) - t0) / 1000;
    while (Number(db.sql('SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NULL')) > 0) await new Promise((r) => setTimeout(r, 100));
    console.log(`${'webhook deliveries'.padEnd(72)} ${(DELIVERIES / s).toFixed(0)} /s  (${DELIVERIES} queued at once, ${got} received in ${s.toFixed(1)} s, one ddcd, receiver on loopback)`);
  } finally {
    await srv.stop();
    rx.close();
    db.drop();
  }
}

// `node search_webhooks.mjs search` or `... webhooks` runs one half alone.
const only = process.argv[2];
if (!only || only === 'search') await searchRows();
if (!only || only === 'webhooks') await deliveryRow();
