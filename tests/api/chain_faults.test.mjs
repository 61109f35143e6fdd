// chain_faults.test.mjs: anchoring when the chain misbehaves. The node frozen for 30 s while
// certificates are minted and verified: both go on, anchoring catches up after, nonces stay
// consecutive. A node that does not mine: the anchor stays pending, its stuck transaction is
// replaced with a higher fee, ddcd is killed -9 between sending and the receipt and restarted,
// and once mining resumes the root is anchored exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASAN_ONLY, RELEASE_ONLY, startDdcd, request, world, uniq } from './lib.mjs';
import { startAnvil, deploy, rpc, until, sleep, checkNonces, listAnchors, mintMany } from './chain.mjs';

async function fundedWorld(base) {
  const w = await world(base);
  const r = await request(base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 9_000_000, currency: 'CNY', reference: uniq('faults') } });
  assert.equal(r.status, 201, r.text);
  return w;
}

const checkpointSize = async (base) => {
  const r = await request(base, 'GET', '/v1/log/checkpoint');
  return r.status === 200 ? Number(r.text.split('\n')[1]) : 0;
};

test('the node frozen for 30 s: minting and verification go on, anchoring catches up', RELEASE_ONLY, async (t) => {
  const anvil = await startAnvil();
  let srv;
  try {
    const env = await deploy(anvil);
    srv = await startDdcd({ env: { ...env, DDC_ANCHOR_INTERVAL_MS: '200', DDC_PUBLIC_RATE: '0' } });
    const w = await fundedWorld(srv.base);
    await mintMany(srv.base, w.issuerKey, 20, 2);
    await until('a first anchor', async () => (await listAnchors(srv.base, anvil.chainId)).some((a) => a.status === 'confirmed'));
    anvil.proc.kill('SIGSTOP');
    const t0 = Date.now();
    let minted = 0, verified = 0, status = null;
    try {
      while (Date.now() - t0 < 30000) {
        const [{ code }] = await mintMany(srv.base, w.issuerKey, 1, 1);
        minted++;
        if (!status && Date.now() - t0 > 15000) { // the anchorer's calls time out: it says so
          status = (await request(srv.base, 'GET', '/v1/chain/status')).json.chains[0];
        }
        if (minted % 25 === 0) {
          const v = await until('verification while the chain is down', async () => {
            const r = await request(srv.base, 'GET', `/v1/verify/${code}`);
            assert.equal(r.status, 200);
            return r.json.result !== 'not_yet_anchored' && r.json;
          }, 10000);
          assert.equal(v.result, 'valid');
          verified++;
        }
      }
    } finally {
      anvil.proc.kill('SIGCONT');
    }
    t.diagnostic(`while the node was frozen for 30 s: ${minted} certificates minted, ${verified} verified valid; status after 15 s: ${JSON.stringify(status)}`);
    assert.ok(minted > 0 && verified > 0);
    assert.equal(status.name, 'default');
    assert.match(status.last_error, /eth_blockNumber: .*(timed out|Timeout)/i);
    assert.ok(status.lag_s >= 5, 'the log has waited for the frozen chain');
    const size = await until('the log covering every mint', async () => {
      const s = await checkpointSize(srv.base);
      return s >= 20 + minted && s;
    });
    const t1 = Date.now();
    await until('an anchor covering the whole log', async () =>
      (await listAnchors(srv.base, anvil.chainId)).some((a) => a.status === 'confirmed' && a.tree_size >= size), 90000);
    t.diagnostic(`caught up ${Date.now() - t1} ms after the node came back`);
    const after = await until('the status clear again', async () => {
      const c = (await request(srv.base, 'GET', '/v1/chain/status')).json.chains[0];
      return c.last_error === null && c.anchored_size >= size && c;
    });
    assert.equal(after.chain_id, anvil.chainId);
    await checkNonces(srv.base, anvil, env.DDC_CHAIN_CONTRACT);
  } finally {
    await srv?.stop();
    await anvil.stop();
  }
});

test('a node not mining: pending, replaced with a higher fee, ddcd killed -9 and restarted, anchored once', ASAN_ONLY, async (t) => {
  const anvil = await startAnvil(['--no-mining']);
  let a, b;
  try {
    const env = await deploy(anvil, { mine: true });
    const ddcdEnv = { ...env, DDC_ANCHOR_INTERVAL_MS: '200', DDC_PUBLIC_RATE: '0' };
    a = await startDdcd({ env: ddcdEnv });
    const w = await fundedWorld(a.base);
    await mintMany(a.base, w.issuerKey, 10, 2);
    const first = await until('a pending anchor', async () =>
      (await listAnchors(a.base, anvil.chainId)).find((x) => x.status === 'pending'));
    const tx1 = await rpc(anvil.url, 'eth_getTransactionByHash', [first.tx_hash]);
    assert.ok(tx1, 'the first transaction is in the pool');
    const replaced = await until('its transaction replaced', async () => {
      const x = (await listAnchors(a.base, anvil.chainId)).find((y) => y.id === first.id);
      return x.tx_hash !== first.tx_hash && x;
    }, 30000);
    assert.equal(replaced.status, 'pending');
    const tx2 = await rpc(anvil.url, 'eth_getTransactionByHash', [replaced.tx_hash]);
    assert.ok(BigInt(tx2.maxFeePerGas) > BigInt(tx1.maxFeePerGas), 'a higher fee');
    assert.equal(tx1.nonce, tx2.nonce, 'the same nonce');
    assert.equal(tx2.nonce, '0x2');
    assert.equal(tx2.blockNumber, null, 'not mined');
    a.proc.kill('SIGKILL');
    await a.exited;
    a = null;
    b = await startDdcd({ env: ddcdEnv });
    await sleep(2500); // the new ddcd takes over and finds the pending anchor
    await rpc(anvil.url, 'evm_setAutomine', [true]);
    await rpc(anvil.url, 'evm_mine');
    const done = await until('the anchor confirmed', async () =>
      (await listAnchors(b.base, anvil.chainId)).find((x) => x.id === first.id && x.status === 'confirmed'), 30000);
    const mined = await rpc(anvil.url, 'eth_getTransactionByHash', [done.tx_hash]);
    t.diagnostic(`mined transaction: nonce ${Number(BigInt(mined.nonce))}, max fee ${BigInt(mined.maxFeePerGas)} wei (first sent with ${BigInt(tx1.maxFeePerGas)})`);
    await mintMany(b.base, w.issuerKey, 5, 1);
    const size = await until('the log covering every mint', async () => {
      const s = await checkpointSize(b.base);
      return s > done.tree_size && s;
    });
    await until('a later anchor', async () =>
      (await listAnchors(b.base, anvil.chainId)).some((x) => x.status === 'confirmed' && x.tree_size >= size));
    const list = await checkNonces(b.base, anvil, env.DDC_CHAIN_CONTRACT);
    assert.deepEqual(list.filter((x) => x.status === 'failed'), [], 'no anchor reverted');
  } finally {
    if (a) { a.proc.kill('SIGKILL'); await a.exited; }
    await b?.stop();
    await anvil.stop();
  }
});
