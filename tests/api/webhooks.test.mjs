// webhooks.test.mjs: webhooks end to end against local receivers (node:http): the secret shown
// once; URLs on private addresses refused unless DDC_WEBHOOK_ALLOW_PRIVATE=1; a receiver that
// fails its first 3 answers (the first retry comes within 5 s) and is then down for 30 s while 500
// events happen: every event arrives (duplicates counted, allowed), each signature verifies with
// an HMAC computed here (node:crypto), and each certificate's events arrive in order; a ddcd
// killed -9 in the middle of a delivery loses nothing; an endpoint failing past the give-up time
// is disabled with a reason, and can be enabled again. Its own database: no other suite's ddcd
// claims these deliveries. The retry cap is set to 2 s so that the suite does not sit out a long
// backoff after the outage (the schedule itself is in tests/unit/test_webhook.c).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { RELEASE_ONLY, startDdcd, request, assertProblem, world, ownDatabase, uniq, until } from './lib.mjs';

const ENV = { DDC_WEBHOOK_ALLOW_PRIVATE: '1', DDC_WEBHOOK_BACKOFF_MAX_S: '2' };
let db, srv;
before(async () => {
  db = await ownDatabase('webhooks');
  srv = await startDdcd({ env: { ...db.env, ...ENV } });
});
after(async () => {
  await srv?.stop();
  db?.drop();
});

const api = (base = () => srv.base) => ({
  get: (p, key) => request(base(), 'GET', p, { key }),
  post: (p, key, json) => request(base(), 'POST', p, { key, json }),
});
const { get, post } = api();

// A receiver on 127.0.0.1. answer(req) gives the status to reply (or 'hold' to keep the request
// open); every request is recorded with its verdict on the signature, made with secret.
function receiver(port = 0) {
  const r = { got: [], secret: null, answer: () => 204, sockets: new Set(), held: [] };
  r.start = (p = port) => new Promise((resolve) => {
    r.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const id = req.headers['webhook-id'], ts = req.headers['webhook-timestamp'];
        const key = Buffer.from(r.secret.slice('whsec_'.length), 'base64');
        const want = crypto.createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
        const sigs = String(req.headers['webhook-signature']).split(' ');
        const status = r.answer(req);
        const rec = { at: Date.now(), id, ts: Number(ts), body: JSON.parse(body), signed: sigs.includes(`v1,${want}`), status };
        r.got.push(rec);
        if (status === 'hold') { r.held.push(res); return; }
        res.writeHead(status).end();
      });
    });
    r.server.on('connection', (s) => { r.sockets.add(s); s.on('close', () => r.sockets.delete(s)); });
    r.server.listen(p, '127.0.0.1', () => { r.port = r.server.address().port; resolve(r); });
  });
  r.kill = () => new Promise((resolve) => {
    r.server.close(() => resolve());
    for (const s of r.sockets) s.destroy();
  });
  r.url = () => `http://127.0.0.1:${r.port}/hook`;
  return r;
}

async function funded() {
  const w = await world(srv.base, db.op);
  const r = await post(`/v1/accounts/${w.issuer.id}/recharges`, w.op, { amount_minor: 100_000_000, currency: 'CNY', reference: uniq('ref') });
  assert.equal(r.status, 201, r.text);
  return w;
}
const mint = async (key, base) => {
  const r = await request(base || srv.base, 'POST', '/v1/certificates', { key, json: { kind: 'generic', metadata: { title: uniq('hooked') } } });
  assert.equal(r.status, 201, r.text);
  return r.json;
};
async function hook(key, url, events = ['*']) {
  const r = await post('/v1/webhooks', key, { url, events });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
// The ids of a certificate's events, oldest first.
const eventIds = async (key, ddc) => (await get(`/v1/certificates/${ddc}/events`, key)).json.items.map((e) => e.id);

test('create: the secret once, checked fields, private addresses refused unless allowed', async () => {
  const w = await funded();
  const h = await hook(w.issuerKey, 'http://127.0.0.1:9/x', ['mint', 'revoke']);
  assert.match(h.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.deepEqual(h.events, ['mint', 'revoke']);
  assert.equal(h.disabled_reason, null);
  const again = await get(`/v1/webhooks/${h.id}`, w.issuerKey);
  assert.equal(again.status, 200);
  assert.equal(again.json.secret, undefined, 'the secret is shown only at creation');
  assert.equal((await get('/v1/webhooks', w.issuerKey)).json.items.some((x) => x.secret), false);
  assert.equal((await get(`/v1/webhooks/${h.id}`, w.holderKey)).status, 404, 'another account sees nothing');
  const mine = 'whsec_' + crypto.randomBytes(32).toString('base64');
  assert.equal((await post('/v1/webhooks', w.holderKey, { url: 'http://127.0.0.1:9/', events: ['*'], secret: mine })).json.secret, mine);
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'ftp://127.0.0.1/', events: ['*'] }), 400, 'invalid_field', 'url');
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'http://127.0.0.1/', events: [] }), 400, 'invalid_field', 'events');
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'http://127.0.0.1/', events: ['Mint!'] }), 400, 'invalid_field', 'events');
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'http://127.0.0.1/' }), 400, 'missing_field', 'events');
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'http://127.0.0.1/', events: ['*'], secret: 'whsec_c2hvcnQ=' }), 400, 'invalid_field', 'secret');
  assertProblem(await post('/v1/webhooks', w.issuerKey, { url: 'http://127.0.0.1/', events: ['*'], extra: 1 }), 400, 'unknown_field', 'extra');
  // without DDC_WEBHOOK_ALLOW_PRIVATE: loopback, private and link-local are refused, by name too
  const strict = await startDdcd({ env: { ...db.env, DDC_WEBHOOK_ALLOW_PRIVATE: '0' } });
  try {
    for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://10.0.0.1/', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://192.168.1.1/'])
      assertProblem(await request(strict.base, 'POST', '/v1/webhooks', { key: w.issuerKey, json: { url, events: ['*'] } }), 400, 'invalid_field', 'url');
  } finally {
    await strict.stop();
  }
  assert.equal((await request(srv.base, 'DELETE', `/v1/webhooks/${h.id}`, { key: w.issuerKey })).status, 204);
  assert.equal((await get(`/v1/webhooks/${h.id}`, w.issuerKey)).status, 404);
});

test('3 failures, then 30 s down while 500 events happen: all arrive, signed, in order per certificate', RELEASE_ONLY, async () => {
  const w = await funded();
  const rx = await receiver().start();
  let answers = 0;
  rx.answer = () => (++answers <= 3 ? 500 : 204);
  const h = await hook(w.issuerKey, rx.url());
  rx.secret = h.secret;
  // the first mint (with the issuer's first key, an account event before it): the first 3
  // answers are 500, then both are taken; a failed delivery's first retry comes within 5 s
  const first = await mint(w.issuerKey);
  await until('the first mint taken', () => rx.got.some((g) => g.body.data.ddc_id === first.ddc_id && g.status === 204), 20000);
  assert.deepEqual(rx.got.slice(0, 3).map((g) => g.status), [500, 500, 500]);
  const retry = rx.got.find((g, i) => i > 0 && g.id === rx.got[0].id);
  assert.ok(retry.at - rx.got[0].at < 5000, `first retry after ${retry.at - rx.got[0].at} ms`);
  const tries = rx.got.filter((g) => g.body.data.ddc_id === first.ddc_id);
  assert.equal(new Set(tries.map((g) => g.id)).size, 1, 'one webhook-id across the retries');
  assert.equal(tries.at(-1).status, 204);

  // down for 30 s; meanwhile 50 certificates get 10 events each (mint, then freeze/unfreeze)
  await rx.kill();
  const down = Date.now();
  const certs = [];
  for (let i = 0; i < 50; i++) certs.push((await mint(w.issuerKey)).ddc_id);
  for (let round = 0; round < 9; round++)
    await Promise.all(certs.map(async (ddc) => {
      const r = await post(`/v1/certificates/${ddc}/${round % 2 ? 'unfreeze' : 'freeze'}`, w.issuerKey, {});
      assert.equal(r.status, 200, r.text);
    }));
  const apiMs = Date.now() - down;
  await new Promise((r) => setTimeout(r, Math.max(0, 30000 - (Date.now() - down))));
  await rx.start(rx.port);
  const want = new Map();
  for (const ddc of certs) want.set(ddc, await eventIds(w.issuerKey, ddc));
  const total = [...want.values()].reduce((n, ids) => n + ids.length, 0);
  assert.equal(total, 500);
  const taken = () => new Set(rx.got.filter((g) => g.status === 204).map((g) => g.body.data.event_id));
  await until('all 500 events delivered', () => [...want.values()].flat().every((id) => taken().has(id)), 60000);

  assert.ok(rx.got.every((g) => g.signed), 'every signature verifies');
  assert.ok(rx.got.every((g) => Math.abs(g.ts * 1000 - g.at) < 60000), 'timestamps are now');
  for (const [ddc, ids] of want) {
    const firsts = [];
    for (const g of rx.got) if (g.body.data.ddc_id === ddc && g.status === 204 && !firsts.includes(g.body.data.event_id)) firsts.push(g.body.data.event_id);
    assert.deepEqual(firsts, ids, `certificate ${ddc}: every event, in order`);
  }
  const delivered = rx.got.filter((g) => g.status === 204 && want.has(g.body.data.ddc_id));
  const dups = delivered.length - total;
  const sample = rx.got.find((g) => g.body.data.ddc_id === certs[0]).body;
  assert.equal(sample.type, 'mint');
  assert.deepEqual(Object.keys(sample).sort(), ['data', 'timestamp', 'type']);
  assert.equal(sample.data.event_hash, crypto.createHash('sha256').update(sample.data.canonical).digest('hex'));
  // the attempts, with their status codes; a refused connection has none
  const d = await get(`/v1/webhooks/${h.id}/deliveries?limit=200`, w.issuerKey);
  assert.equal(d.status, 200, d.text);
  assert.ok(d.json.items.some((a) => a.status_code === 204 && a.outcome === 'delivered'));
  const all = [];
  for (let cursor = null, i = 0; i < 100; i++) {
    const p = await get(`/v1/webhooks/${h.id}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ''}`, w.issuerKey);
    all.push(...p.json.items);
    cursor = p.json.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(all.filter((a) => a.ddc_id === first.ddc_id).map((a) => a.status_code).reverse(), tries.map((g) => g.status));
  assert.equal(all.filter((a) => a.status_code === 500).length, 3);
  assert.ok(all.some((a) => a.status_code === null && /connect/i.test(a.error) && a.outcome === 'failed'), 'refused connections, recorded');
  // the issuer's account events (its status lists' publications, logged after each change) follow
  await until('nothing pending', async () => (await get(`/v1/webhooks/${h.id}`, w.issuerKey)).json.pending === 0, 30000);
  console.log(`# 500 events in ${apiMs} ms while the receiver was down; ${delivered.length} deliveries, ${dups} duplicates; ${all.length} attempts`);
  await rx.kill();
});

test('a ddcd killed -9 in the middle of deliveries loses nothing', async () => {
  const w = await funded();
  const rx = await receiver().start();
  rx.answer = () => 'hold';
  const h = await hook(w.issuerKey, rx.url(), ['mint', 'freeze']);
  rx.secret = h.secret;
  const victim = await startDdcd({ env: { ...db.env, ...ENV } });
  await srv.stop(); // only the victim delivers now
  const certs = [];
  for (let i = 0; i < 5; i++) certs.push((await mint(w.issuerKey, victim.base)).ddc_id);
  await until('deliveries in flight', () => rx.held.length >= 1, 20000);
  victim.proc.kill('SIGKILL');
  await victim.exited;
  rx.answer = () => 204;
  for (const res of rx.held) res.destroy();
  srv = await startDdcd({ env: { ...db.env, ...ENV } });
  await until('every mint delivered after the kill', () => certs.every((ddc) => rx.got.some((g) => g.body.data.ddc_id === ddc && g.status === 204)), 30000);
  assert.ok(rx.got.every((g) => g.signed));
  // the issuer's account events (its status lists' publications, logged after each change) follow
  await until('nothing pending', async () => (await get(`/v1/webhooks/${h.id}`, w.issuerKey)).json.pending === 0, 30000);
  await rx.kill();
});

test('an endpoint failing past the give-up time is disabled with a reason, and can be enabled', async () => {
  await srv.stop();
  srv = await startDdcd({ env: { ...db.env, ...ENV, DDC_WEBHOOK_GIVE_UP_S: '2' } });
  const w = await funded();
  const rx = await receiver().start();
  rx.answer = () => 503;
  const h = await hook(w.issuerKey, rx.url(), ['mint']);
  rx.secret = h.secret;
  const c = await mint(w.issuerKey);
  const off = await until('the endpoint disabled', async () => {
    const r = await get(`/v1/webhooks/${h.id}`, w.issuerKey);
    return r.json.disabled_at && r.json;
  }, 20000);
  assert.match(off.disabled_reason, /HTTP 503/);
  assert.equal(off.pending, 0);
  const n = rx.got.length;
  await mint(w.issuerKey);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(rx.got.length, n, 'a disabled endpoint gets nothing');
  rx.answer = () => 200;
  const on = await post(`/v1/webhooks/${h.id}/enable`, w.issuerKey, {});
  assert.equal(on.status, 200, on.text);
  assert.equal(on.json.disabled_reason, null);
  await until('the given-up event delivered after enabling', () => rx.got.some((g) => g.body.data.ddc_id === c.ddc_id && g.status === 200), 20000);
  await rx.kill();
});
