// chains.mjs: the multi-chain row of `make bench` (run by tests/bench/run.sh with DDC_DATABASE_URL,
// DDC_DATA_DIR, DDC_BIN and DDC_TEST_LOGS set). One ddcd anchoring on three anvil nodes at once
// (DDC_CHAINS_FILE; each node mines a block every BLOCK_S seconds, the third is reached through
// an x-api-key proxy as a gateway would be) while certificates are minted for MINT_S seconds:
// per chain, the seconds from a checkpoint's first appearance to the first confirmed anchor
// covering it (p50 and max), beside the configured interval. Prints one line per chain.
import assert from 'node:assert/strict';
import { startDdcd, request, world, uniq } from '../api/lib.mjs';
import { startAnvil, sleep, until, mintMany } from '../api/chain.mjs';
import { startKeyProxy, deployChains, watchAnchoring, logSize, p50max } from '../api/chains.mjs';

const INTERVAL_S = 2;
const BLOCK_S = 1;
const MINT_S = 30;
const WARM_S = 5; // checkpoints of the first seconds are left out (the anchorers' first round)
const KEY = `bench-${process.pid}`;

const anvils = [];
let proxy, srv, watch;
process.on('exit', () => { for (const a of anvils) a.proc.kill('SIGKILL'); });
try {
  for (let i = 0; i < 3; i++) anvils.push(await startAnvil(['--block-time', String(BLOCK_S)]));
  proxy = await startKeyProxy(anvils[2].url, KEY);
  const chains = [
    { name: 'a', url: anvils[0].url, chainId: anvils[0].chainId },
    { name: 'b', url: anvils[1].url, chainId: anvils[1].chainId },
    { name: 'c', url: proxy.url, chainId: anvils[2].chainId, headers: { 'x-api-key': KEY } },
  ];
  const file = await deployChains(chains, INTERVAL_S);
  process.env.DDC_OPERATOR_KEY_FILE ??= `${process.env.DDC_DATA_DIR}/operator.key`;
  srv = await startDdcd({ env: { DDC_CHAINS_FILE: file, DDC_PUBLIC_RATE: '0' } });
  const w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 9_000_000_000, currency: 'CNY', reference: uniq('chains-bench') } });
  assert.equal(r.status, 201, r.text);
  watch = watchAnchoring(srv.base, chains);
  const t0 = Date.now();
  let minted = 0;
  while (Date.now() - t0 < MINT_S * 1000) {
    minted += (await mintMany(srv.base, w.issuerKey, 4, 2)).length;
    await sleep(200);
  }
  const t1 = Date.now();
  const size = await until('the log covering the mints', async () => { const s = await logSize(srv.base); await sleep(300); return s === await logSize(srv.base) && s; });
  for (const c of chains)
    await until(`an anchor on ${c.name} covering the log`, async () => watch.confirmed[c.name].some((x) => x.size >= size), 120000);
  await watch.stop();
  for (const c of chains) {
    const { n, p50, max } = p50max(watch.lags(c.name, t0 + WARM_S * 1000, t1));
    const label = `chain lag, 3 chains at once: ${c.name}`;
    console.log(`${label.padEnd(34)} p50 ${p50.toFixed(1).padStart(5)} s  max ${max.toFixed(1).padStart(5)} s  (checkpoint to confirmed anchor, ${n} checkpoints while ${minted} certificates were minted in ${MINT_S} s; interval_s ${INTERVAL_S}, block time ${BLOCK_S} s: the limit interval + block time is ${INTERVAL_S + BLOCK_S} s${c.headers ? '; through the x-api-key proxy' : ''})`);
  }
} catch (e) {
  console.error(`bench: chains: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await watch?.stop().catch(() => {});
  await srv?.stop();
  await proxy?.close();
  for (const a of anvils) await a.stop();
}
process.exit(); // keep-alive sockets to anvil would hold the process a while
