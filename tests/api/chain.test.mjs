// chain.test.mjs: anchoring on a real EVM node (anvil): `ddcd chain deploy`, 1,000 certificates
// minted and anchored, the root checked on chain with `cast call anchoredAt` and the Anchored
// event with eth_getLogs, the public anchor list, and the sender's nonces used once each, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, world, uniq, assertProblem } from './lib.mjs';
import { startAnvil, deploy, cast, rpc, until, anchoredEvents, checkNonces, listAnchors, mintMany, DEV_ADDR } from './chain.mjs';

let anvil, srv, w, env;
before(async () => {
  anvil = await startAnvil();
  env = await deploy(anvil);
  srv = await startDdcd({ env: { ...env, DDC_ANCHOR_INTERVAL_MS: '200', DDC_PUBLIC_RATE: '0' } });
  w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 1_000_000, currency: 'CNY', reference: uniq('chain') } });
  assert.equal(r.status, 201, r.text);
});
after(async () => { await srv?.stop(); await anvil?.stop(); });

const anchors = () => listAnchors(srv.base, anvil.chainId);

test('the deployed registry admits ddcd as its writer', async () => {
  assert.equal(await cast(['call', '--rpc-url', anvil.url, env.DDC_CHAIN_CONTRACT, 'writers(address)(bool)', DEV_ADDR]), 'true');
  assert.equal((await cast(['call', '--rpc-url', anvil.url, env.DDC_CHAIN_CONTRACT, 'admin()(address)'])).toLowerCase(), DEV_ADDR);
});

// The log's size now (0 while it is empty).
async function logSize() {
  const r = await request(srv.base, 'GET', '/v1/log/checkpoint');
  if (r.status === 404) return 0;
  assert.equal(r.status, 200, r.text);
  return Number(r.text.split('\n')[1]);
}

// The log size that holds every certificate's mint event, once they all have a leaf. (The
// database may hold other suites' events, so a log of 1,000 leaves proves nothing by itself.)
async function sizeHolding(certs) {
  let end = 0;
  for (let i = 0; i < certs.length; i += 50) {
    const leaves = await Promise.all(certs.slice(i, i + 50).map((c) =>
      until(`a leaf for certificate ${c.ddc_id}`, async () => {
        const r = await request(srv.base, 'GET', `/v1/certificates/${c.ddc_id}/events`, { key: w.issuerKey });
        assert.equal(r.status, 200, r.text);
        return r.json.items.every((e) => Number.isInteger(e.leaf_index)) && r.json.items.map((e) => e.leaf_index);
      })));
    end = Math.max(end, ...leaves.flat().map((l) => l + 1));
  }
  return end;
}

test('1,000 certificates minted are anchored; cast and eth_getLogs find the root', async (t) => {
  const t0 = Date.now();
  const certs = await mintMany(srv.base, w.issuerKey, 1000);
  const mintMs = Date.now() - t0;
  const need = await sizeHolding(certs);
  const a = await until('a confirmed anchor covering the 1,000 certificates', async () =>
    (await anchors()).find((x) => x.status === 'confirmed' && x.tree_size >= need));
  t.diagnostic(`1,000 mints in ${mintMs} ms; all in the log by size ${need}; anchored at size ${a.tree_size} in block ${a.block_number}, ${Date.now() - t0} ms after the first mint`);
  assert.equal(a.contract, env.DDC_CHAIN_CONTRACT);
  assert.match(a.tx_hash, /^0x[0-9a-f]{64}$/);
  // the anchored root is a checkpoint the log signed: consistent with the newest one, read after it
  const now = await logSize();
  assert.ok(now >= a.tree_size, `log size ${now} < anchored size ${a.tree_size}`);
  const cons = await request(srv.base, 'GET', `/v1/log/proof/consistency?from=${a.tree_size}&to=${now}`);
  assert.equal(cons.status, 200, cons.text);
  const [block, size] = (await cast(['call', '--rpc-url', anvil.url, env.DDC_CHAIN_CONTRACT,
    'anchoredAt(bytes32)(uint256,uint64)', '0x' + a.root])).split('\n').map((s) => s.split(' ')[0]);
  assert.equal(Number(block), a.block_number);
  assert.equal(Number(size), a.tree_size);
  const none = await cast(['call', '--rpc-url', anvil.url, env.DDC_CHAIN_CONTRACT,
    'anchoredAt(bytes32)(uint256,uint64)', '0x' + '00'.repeat(31) + '01']);
  assert.deepEqual(none.split('\n'), ['0', '0']);
  const ev = (await anchoredEvents(anvil.url, env.DDC_CHAIN_CONTRACT)).filter((e) => e.root === a.root);
  assert.equal(ev.length, 1);
  assert.deepEqual(ev[0], { root: a.root, treeSize: a.tree_size, writer: DEV_ADDR, blockNumber: a.block_number, txHash: a.tx_hash });
  const rc = await rpc(anvil.url, 'eth_getTransactionReceipt', [a.tx_hash]);
  assert.equal(rc.status, '0x1');
  t.diagnostic(`one anchor transaction: ${Number(BigInt(rc.gasUsed))} gas for ${a.tree_size} leaves`);
});

test('each anchor used the next nonce: none twice, none skipped; every root once on chain', async () => {
  const list = await checkNonces(srv.base, anvil, env.DDC_CHAIN_CONTRACT);
  assert.ok(list.length >= 1);
  const sizes = list.map((a) => a.tree_size);
  assert.deepEqual(sizes, [...sizes].sort((x, y) => x - y), 'sizes grow');
});

test('the anchor list pages with a cursor and refuses bad parameters', async () => {
  const all = (await request(srv.base, 'GET', '/v1/chain/anchors?limit=100')).json;
  const first = await request(srv.base, 'GET', '/v1/chain/anchors?limit=1');
  assert.equal(first.status, 200);
  assert.equal(first.json.items.length, Math.min(1, all.items.length));
  if (all.items.length > 1) {
    assert.equal(first.json.next_cursor, String(all.items[0].id));
    const second = await request(srv.base, 'GET', `/v1/chain/anchors?limit=1&cursor=${first.json.next_cursor}`);
    assert.equal(second.json.items[0].id, all.items[1].id);
  }
  assertProblem(await request(srv.base, 'GET', '/v1/chain/anchors?limit=0'), 400, 'invalid_parameter', 'limit');
  assertProblem(await request(srv.base, 'GET', '/v1/chain/anchors?cursor=x'), 400, 'invalid_parameter', 'cursor');
  assertProblem(await request(srv.base, 'GET', '/v1/chain/anchors?page=2'), 400, 'unknown_parameter', 'page');
});

test('a bundle carries its chain anchor with a consistency proof; ddcd verify --rpc asks the chain', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { runDdcd } = await import('./lib.mjs');
  const c = (await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('anchored') } } })).json;
  const b = await until('a bundle whose chain anchor holds its events', async () => {
    const r = await request(srv.base, 'GET', `/v1/verify/${c.code}/bundle`);
    const leaves = r.json?.events.map((e) => e.leaf_index) ?? [null];
    return leaves.every(Number.isInteger) && r.json.chain_anchors?.[0]?.tree_size > Math.max(...leaves) ? r.json : null;
  });
  assert.equal(b.chain_anchor, undefined, 'chain_anchors replaces chain_anchor');
  assert.equal(b.chain_anchors.length, 1);
  const a = b.chain_anchors[0];
  assert.equal(a.name, 'default');
  assert.equal(a.chain_id, anvil.chainId);
  assert.equal(a.contract, env.DDC_CHAIN_CONTRACT);
  assert.match(a.tx_hash, /^0x[0-9a-f]{64}$/);
  assert.ok(a.tree_size > Math.max(...b.events.map((e) => e.leaf_index)), 'the anchored tree holds the events');
  const v = (await request(srv.base, 'GET', `/v1/verify/${c.code}`)).json;
  const check = v.checks.find((x) => x.name === 'chain_anchor');
  assert.ok(check?.ok, JSON.stringify(v.checks));
  assert.match(check.detail, new RegExp(`^chain default: .*block ${a.block_number}`));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-chain-bundle-'));
  try {
    const file = path.join(dir, 'b.json');
    const logKey = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
    fs.writeFileSync(file, JSON.stringify(b));
    let r = await runDdcd(['verify', file, '--log-key', logKey, '--rpc', anvil.url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\u2713 chain_anchor: /);
    assert.match(r.stdout, /\u2713 chain_anchor_on_chain: /);
    // a bundle saved before several chains (one chain_anchor, no name) still verifies
    const old = structuredClone(b);
    old.chain_anchor = old.chain_anchors[0];
    delete old.chain_anchor.name;
    delete old.chain_anchors;
    fs.writeFileSync(file, JSON.stringify(old));
    r = await runDdcd(['verify', file, '--log-key', logKey, '--rpc', anvil.url]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\u2713 chain_anchor: the checkpoint extends/);
    assert.match(r.stdout, /\u2713 chain_anchor_on_chain: /);
    // a root the chain never saw: the proof fails offline, and the chain does not know it
    const bad = structuredClone(b);
    const root = Buffer.from(bad.chain_anchors[0].root, 'base64');
    root[0] ^= 1;
    bad.chain_anchors[0].root = root.toString('base64');
    fs.writeFileSync(file, JSON.stringify(bad));
    r = await runDdcd(['verify', file, '--log-key', logKey, '--rpc', anvil.url]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /\u2717 chain_anchor: chain default: /);
    assert.match(r.stdout, /\u2717 chain_anchor_on_chain: .*block 0/);
    const posted = await request(srv.base, 'POST', '/v1/verify', { json: bad });
    assert.equal(posted.json.result, 'invalid');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
