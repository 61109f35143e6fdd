// chains3.test.mjs: one ddcd anchoring on three chains at once (DDC_CHAINS_FILE): three anvil
// nodes with their own chain ids, the third reached only through a gateway-like proxy that
// refuses calls without the right x-api-key; each contract deployed with `ddcd chain deploy
// --chain NAME`. All three anchor; then one node is frozen (SIGSTOP) for 60 s while certificates
// are minted: the other two keep anchoring each new checkpoint within a few intervals,
// GET /v1/chain/status shows the frozen one's lag and last error, and once it is back it catches
// up with one transaction. A bundle then carries an anchor per chain, and `ddcd verify --rpc
// NAME=URL` (with the x-api-key header for the third) finds each on its chain.
// Wait-bound (about 90 s): run against the release build only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RELEASE_ONLY, startDdcd, request, world, uniq, runDdcd } from './lib.mjs';
import { startAnvil, rpc, until, sleep, mintMany } from './chain.mjs';
import { startKeyProxy, deployChains, watchAnchoring, chainAnchors, logSize, p50max } from './chains.mjs';

const INTERVAL_S = 1;
const FREEZE_S = 60;
const ON_TIME_S = 3 * INTERVAL_S + 2; // an anchor step, its receipt a step later, polling
const API_KEY = 'k-' + process.pid + '-' + Math.random().toString(36).slice(2);

const anvils = [];
let proxy, srv, watch;
// a frozen node must get SIGCONT before it is killed, also when the suite fails
process.on('exit', () => { for (const a of anvils) { a.proc.kill('SIGCONT'); a.proc.kill('SIGKILL'); } });
after(async () => {
  await watch?.stop().catch(() => {});
  await srv?.stop();
  await proxy?.close();
  for (const a of anvils) { a.proc.kill('SIGCONT'); await a.stop(); }
});

const status = async () => {
  const r = await request(srv.base, 'GET', '/v1/chain/status');
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.json.chains.map((c) => [c.name, c]));
};
const byName = {};
const covered = async (name, size) => (await chainAnchors(srv.base, name, byName[name].chainId)).some((a) => a.status === 'confirmed' && a.tree_size >= size);

test('three chains, one behind an x-api-key gateway and one frozen for 60 s: the others anchor on time, it catches up, bundles verify per chain',
  RELEASE_ONLY, async (t) => {
    const t00 = Date.now();
    for (let i = 0; i < 3; i++) anvils.push(await startAnvil());
    assert.equal(new Set(anvils.map((a) => a.chainId)).size, 3, 'three chain ids');
    proxy = await startKeyProxy(anvils[2].url, API_KEY);
    // the gateway refuses a call without the header, and answers one with it
    const bare = await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
    assert.equal(bare.status, 401);
    assert.equal(proxy.refused, 1);
    const keyed = await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) });
    assert.equal(Number(BigInt((await keyed.json()).result)), anvils[2].chainId);

    const chains = [
      { name: 'a', url: anvils[0].url, chainId: anvils[0].chainId },
      { name: 'b', url: anvils[1].url, chainId: anvils[1].chainId },
      { name: 'c', url: proxy.url, chainId: anvils[2].chainId, headers: { 'x-api-key': API_KEY } },
    ];
    for (const c of chains) byName[c.name] = c;
    const file = await deployChains(chains, INTERVAL_S);
    assert.equal(proxy.refused, 1, 'ddcd sent the x-api-key with every call to the gateway');
    srv = await startDdcd({ env: { DDC_CHAINS_FILE: file, DDC_ANCHOR_INTERVAL_MS: '200', DDC_PUBLIC_RATE: '0' } });
    const w = await world(srv.base);
    const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
      { key: w.op, json: { amount_minor: 9_000_000, currency: 'CNY', reference: uniq('chains3') } });
    assert.equal(r.status, 201, r.text);

    // all three anchor the log
    await mintMany(srv.base, w.issuerKey, 10, 2);
    const size0 = await until('the mints in a checkpoint', async () => { const s = await logSize(srv.base); return s >= 10 && s; });
    for (const c of chains) await until(`an anchor on ${c.name}`, () => covered(c.name, size0), 30000);
    const st0 = await status();
    assert.deepEqual(Object.keys(st0).sort(), ['a', 'b', 'c']);
    for (const c of chains) {
      assert.equal(st0[c.name].chain_id, c.chainId);
      assert.ok(st0[c.name].anchored_size >= size0, JSON.stringify(st0[c.name]));
    }
    t.diagnostic(`set up and first anchors on three chains in ${((Date.now() - t00) / 1000).toFixed(1)} s`);

    // b frozen with nothing pending; minting goes on (one certificate every 300 ms)
    const beforeFreeze = await until('b settled and covering the log', async () => {
      const s = await logSize(srv.base), l = await chainAnchors(srv.base, 'b', byName.b.chainId);
      return l.every((a) => a.status !== 'pending') && l.some((a) => a.status === 'confirmed' && a.tree_size >= s) && l;
    }, 15000);
    const lastIdB = beforeFreeze.at(-1).id;
    watch = watchAnchoring(srv.base, chains);
    anvils[1].proc.kill('SIGSTOP');
    const t0 = Date.now();
    const minted = [];
    let statusFrozen = null;
    try {
      while (Date.now() - t0 < (FREEZE_S - 2) * 1000) {
        minted.push(...await mintMany(srv.base, w.issuerKey, 1, 1));
        if (!statusFrozen && Date.now() - t0 > (FREEZE_S - 10) * 1000) statusFrozen = await status();
        await sleep(300);
      }
      // the last mints into a checkpoint before b comes back, so that one anchor covers them all
      await until('the log still', async () => { const s = await logSize(srv.base); await sleep(600); return s === await logSize(srv.base) && s; });
      await sleep(Math.max(0, FREEZE_S * 1000 - (Date.now() - t0)));
    } finally {
      anvils[1].proc.kill('SIGCONT');
    }
    const t1 = Date.now();
    const sizeAtResume = await logSize(srv.base);
    t.diagnostic(`b frozen ${((t1 - t0) / 1000).toFixed(1)} s; ${minted.length} certificates minted meanwhile; log size ${sizeAtResume}`);

    // the other two anchored each checkpoint of the freeze on time
    assert.deepEqual(watch.errors.map(String), [], 'every poll answered');
    for (const n of ['a', 'c']) {
      await until(`${n} covering the log`, () => covered(n, sizeAtResume), 15000);
      await until(`the watcher seeing ${n} cover the log`, () => watch.confirmed[n].some((x) => x.size >= sizeAtResume));
      const lags = watch.lags(n, t0, t1 - INTERVAL_S * 1000);
      const { p50, max } = p50max(lags);
      t.diagnostic(`${n}: ${lags.length} checkpoints while b was frozen, anchored after p50 ${p50.toFixed(1)} s, max ${max.toFixed(1)} s`);
      assert.ok(lags.length >= 20, `checkpoints seen on ${n}: ${lags.length}`);
      assert.ok(max <= ON_TIME_S, `${n}: a checkpoint waited ${max} s for its anchor (interval ${INTERVAL_S} s)`);
    }
    // the frozen one showed its lag and its error while the others were current
    assert.ok(statusFrozen, 'status read while b was frozen');
    t.diagnostic(`status while frozen: ${JSON.stringify(statusFrozen)}`);
    assert.ok(statusFrozen.b.lag_s >= 30, `b's lag ${statusFrozen.b.lag_s} s`);
    assert.ok(typeof statusFrozen.b.last_error === 'string' && statusFrozen.b.last_error.length > 0, 'b has a last_error');
    for (const n of ['a', 'c']) assert.ok(statusFrozen[n].lag_s <= ON_TIME_S + 5, `${n}'s lag ${statusFrozen[n].lag_s} s`);

    // b catches up with one transaction: its first anchor since the freeze covers the whole log
    await until('b covering the log', () => covered('b', sizeAtResume), 30000);
    const caught = (await chainAnchors(srv.base, 'b', byName.b.chainId)).filter((a) => a.id > lastIdB);
    t.diagnostic(`b caught up ${((Date.now() - t1) / 1000).toFixed(1)} s after SIGCONT: ${caught.map((a) => `${a.tree_size}:${a.status}`).join(' ')}`);
    assert.ok(caught[0].tree_size >= sizeAtResume, `b's first anchor after the freeze is of size ${caught[0].tree_size}, the log ${sizeAtResume}`);
    assert.equal(caught[0].status, 'confirmed');
    const receipt = await rpc(anvils[1].url, 'eth_getTransactionReceipt', [caught[0].tx_hash]);
    assert.equal(receipt.status, '0x1');
    const stAfter = await until('b current again', async () => { const s = await status(); return s.b.anchored_size >= sizeAtResume && s; });
    assert.ok(stAfter.b.lag_s < statusFrozen.b.lag_s);
    await watch.stop();
    watch = null;

    // a certificate minted while b was frozen: its bundle has an anchor on each chain
    const cert = minted[Math.floor(minted.length / 2)];
    const bundle = await until('a bundle anchored on all three chains', async () => {
      const b = (await request(srv.base, 'GET', `/v1/verify/${cert.code}/bundle`)).json;
      const leaves = b.events.map((e) => e.leaf_index);
      const names = (b.chain_anchors || []).filter((a) => a.tree_size > Math.max(...leaves)).map((a) => a.name).sort();
      return leaves.every(Number.isInteger) && names.join() === 'a,b,c' && b;
    }, 20000);
    for (const c of chains) {
      const a = bundle.chain_anchors.find((x) => x.name === c.name);
      assert.equal(a.chain_id, c.chainId);
      assert.equal(a.contract, c.contract);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-chains3-'));
    try {
      const bf = path.join(dir, 'b.json');
      fs.writeFileSync(bf, JSON.stringify(bundle));
      const logKey = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
      const base = ['verify', bf, '--log-key', logKey, '--rpc', `a=${anvils[0].url}`, '--rpc', `b=${anvils[1].url}`, '--rpc', `c=${proxy.url}`];
      let v = await runDdcd([...base, '--rpc-header', `c:x-api-key=${API_KEY}`]);
      assert.equal(v.code, 0, v.stdout + v.stderr);
      for (const n of ['a', 'b', 'c']) {
        assert.match(v.stdout, new RegExp(`\u2713 chain_anchor: chain ${n}: the checkpoint extends`));
        assert.match(v.stdout, new RegExp(`\u2713 chain_anchor_on_chain: ${n} \\(chain `));
      }
      assert.match(v.stdout, /^chains: a \(chain \d+\) holds it; b \(chain \d+\) holds it; c \(chain \d+\) holds it$/m);
      v = await runDdcd([...base, '--rpc-header', `c:x-api-key=${API_KEY}`, '--json']);
      assert.equal(v.code, 0, v.stderr);
      const verdict = JSON.parse(v.stdout);
      assert.deepEqual(verdict.chains.map((c) => [c.name, c.on_chain]), [['a', 'held'], ['b', 'held'], ['c', 'held']]);
      assert.deepEqual(verdict.checks.filter((c) => c.name === 'chain_anchor_on_chain').map((c) => [c.chain, c.ok]),
        [['a', true], ['b', true], ['c', true]]);
      // without the header the gateway refuses: c cannot be asked, the others still hold it
      const refused = proxy.refused;
      v = await runDdcd(base);
      assert.equal(v.code, 1, v.stdout);
      assert.match(v.stdout, /\u2717 chain_anchor_on_chain: c \(chain \d+\): eth_call anchoredAt failed/);
      assert.match(v.stdout, /b \(chain \d+\) holds it; c \(chain \d+\) could not be asked/);
      assert.ok(proxy.refused > refused);
      // a bare --rpc URL cannot say which of three chains it is
      v = await runDdcd(['verify', bf, '--log-key', logKey, '--rpc', anvils[0].url]);
      assert.equal(v.code, 2, v.stdout + v.stderr);
      assert.match(v.stderr, /--rpc NAME=URL/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    t.diagnostic(`suite ${((Date.now() - t00) / 1000).toFixed(1)} s`);
  });
