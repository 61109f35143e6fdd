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

// A JSON-RPC gateway in front of a node that wants an x-api-key (as a BSN gateway does): 401
// without it; counts the calls it passed on.
async function gateway(target, apiKey) {
  const http = await import('node:http');
  const g = { passed: 0, refused: 0 };
  g.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', async () => {
      if (req.headers['x-api-key'] !== apiKey) { g.refused++; res.writeHead(401).end('no key'); return; }
      g.passed++;
      const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text());
    });
  });
  await new Promise((res) => g.server.listen(0, '127.0.0.1', res));
  g.url = `http://127.0.0.1:${g.server.address().port}`;
  return g;
}

test('two chains from DDC_CHAINS_FILE: deploy --chain each, both anchor, status, anchors?chain=, bundles name both', async (t) => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { runDdcd, LOGS } = await import('./lib.mjs');
  const { DEV_KEY } = await import('./chain.mjs');
  const [east, west] = await Promise.all([startAnvil(), startAnvil()]);
  const gw = await gateway(west.url, 'k-west');
  let s2;
  try {
    const keyFile = path.join(LOGS, `chains-${process.pid}.key`);
    fs.writeFileSync(keyFile, DEV_KEY + '\n', { mode: 0o600 });
    const file = path.join(LOGS, `chains-${process.pid}.json`);
    const n1 = `east-${east.chainId}`, n2 = `west_${west.chainId}`;
    const chains = [
      { name: n1, rpc_url: east.url, chain_id: east.chainId, key_file: keyFile, interval_s: 1 },
      { name: n2, rpc_url: gw.url, chain_id: west.chainId, key_file: keyFile, interval_s: 1, confirmations: 1,
        headers: { 'x-api-key': 'k-west' }, max_fee_gwei: 50, gas_limit: 200000, timeout_ms: 3000 },
    ];
    fs.writeFileSync(file, JSON.stringify(chains));
    const env = { DDC_CHAINS_FILE: file };
    // refusals: both kinds of settings, a bad entry, deploy without saying which chain
    let r = await runDdcd(['migrate'], { ...env, DDC_CHAIN_RPC_URL: east.url });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DDC_CHAINS_FILE and DDC_CHAIN_RPC_URL are both set/);
    const bad = path.join(LOGS, `chains-bad-${process.pid}.json`);
    fs.writeFileSync(bad, JSON.stringify([chains[0], { ...chains[1], rpc_url: 'ftp://x' }]));
    r = await runDdcd(['migrate'], { DDC_CHAINS_FILE: bad });
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(`${bad}: chain 1 ("${n2}"): rpc_url: must be an http:// or https:// URL`), r.stderr);
    fs.writeFileSync(bad, JSON.stringify([chains[0], { ...chains[1], name: n1 }]));
    r = await runDdcd(['migrate'], { DDC_CHAINS_FILE: bad });
    assert.match(r.stderr, /chain 1 \("east-\d+"\): name: the name of chain 0 already/);
    r = await runDdcd(['chain', 'deploy'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /names 2 chains: say which with --chain NAME/);
    // deploy on each (no contract in the file yet): the address alone on stdout
    for (const c of chains) {
      r = await runDdcd(['chain', 'deploy', '--chain', c.name], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^0x[0-9a-f]{40}\n$/);
      c.contract = r.stdout.trim();
    }
    assert.ok(gw.passed > 0 && gw.refused === 0, 'every call through the gateway carried its key');
    fs.writeFileSync(file, JSON.stringify(chains));
    s2 = await startDdcd({ env: { ...env, DDC_ANCHOR_INTERVAL_MS: '200', DDC_PUBLIC_RATE: '0' } });
    const certs = await mintMany(s2.base, w.issuerKey, 20, 4);
    const need = await sizeHolding(certs);
    const st = await until('both chains anchored past the mints', async () => {
      const x = await request(s2.base, 'GET', '/v1/chain/status');
      if (x.status === 503) return false; // a database connection not made in time on a loaded host
      assert.equal(x.status, 200, x.text);
      return x.json.chains.every((c) => c.anchored_size >= need) && x.json;
    });
    assert.deepEqual(st.chains.map((c) => c.name), [n1, n2]);
    assert.deepEqual(st.chains.map((c) => c.chain_id), [east.chainId, west.chainId]);
    for (const c of st.chains) {
      assert.ok(c.head_block >= 1, JSON.stringify(c));
      assert.equal(c.last_error, null);
      assert.equal(typeof c.lag_s, 'number');
    }
    // every ddcd answers alike: the first one knows only its own chain
    const st1 = (await request(srv.base, 'GET', '/v1/chain/status')).json;
    assert.deepEqual(st1.chains.map((c) => c.name), ['default']);
    // each chain's anchors alone, on its own chain and nonces
    const l1 = (await request(s2.base, 'GET', `/v1/chain/anchors?chain=${n1}`)).json.items;
    const l2 = (await request(s2.base, 'GET', `/v1/chain/anchors?chain=${n2}&limit=100`)).json.items;
    assert.ok(l1.length >= 1 && l2.length >= 1);
    assert.ok(l1.every((a) => a.chain === n1 && a.chain_id === east.chainId && a.contract === chains[0].contract));
    assert.ok(l2.every((a) => a.chain === n2 && a.chain_id === west.chainId && a.contract === chains[1].contract));
    assertProblem(await request(s2.base, 'GET', '/v1/chain/anchors?chain=nowhere'), 400, 'invalid_parameter', 'chain');
    assertProblem(await request(srv.base, 'GET', `/v1/chain/anchors?chain=${n1}`), 400, 'invalid_parameter', 'chain');
    const tx = await rpc(west.url, 'eth_getTransactionByHash', [l2[0].tx_hash]);
    assert.equal(BigInt(tx.gas), 200000n, 'the gas_limit set');
    assert.ok(BigInt(tx.maxFeePerGas) <= 50n * 10n ** 9n, 'within max_fee_gwei');
    // a bundle names each chain's anchor; the verdict checks each
    const b = await until('a bundle with both chains', async () => {
      const x = (await request(s2.base, 'GET', `/v1/verify/${certs[0].code}/bundle`)).json;
      return x?.chain_anchors?.length === 2 && x;
    });
    assert.deepEqual(b.chain_anchors.map((a) => a.name), [n1, n2]);
    const v = (await request(s2.base, 'GET', `/v1/verify/${certs[0].code}`)).json;
    const checks = v.checks.filter((c) => c.name === 'chain_anchor');
    assert.deepEqual(checks.map((c) => [c.ok, c.detail.split(':')[0]]), [[true, `chain ${n1}`], [true, `chain ${n2}`]]);
    assert.equal(v.result, 'valid');
    // a confirmation on any chain makes a kept verdict again, even one of a tree size another
    // chain confirmed first: west held back while east anchors a new mint, then west catches up
    const confirmedPast = async (name, size) => (await request(s2.base, 'GET', `/v1/chain/anchors?chain=${name}`))
      .json.items.find((a) => a.status === 'confirmed' && a.tree_size >= size);
    west.proc.kill('SIGSTOP');
    let held = true;
    try {
      const need2 = await sizeHolding(await mintMany(s2.base, w.issuerKey, 1, 1));
      await until('east past the new mint', () => confirmedPast(n1, need2));
      await request(s2.base, 'GET', `/v1/verify/${certs[0].code}`); // kept with west's older anchor
      west.proc.kill('SIGCONT');
      held = false;
      const w2 = await until('west caught up', () => confirmedPast(n2, need2));
      await until('the verdict naming west\'s new anchor', async () =>
        (await request(s2.base, 'GET', `/v1/verify/${certs[0].code}`)).json.checks.some((c) => c.name === 'chain_anchor' &&
          c.detail.startsWith(`chain ${n2}: `) && c.detail.includes(`in block ${w2.block_number} (`)), 20000);
    } finally {
      if (held) west.proc.kill('SIGCONT');
    }
    t.diagnostic(`anchored on ${n1} at ${st.chains[0].anchored_size} and ${n2} at ${st.chains[1].anchored_size}; ${gw.passed} calls through the gateway, none refused`);
  } finally {
    await s2?.stop();
    gw.server.close();
    await Promise.all([east.stop(), west.stop()]);
  }
});
