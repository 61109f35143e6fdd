// chain.mjs: the chain rows of `make bench` (run by tests/bench/run.sh after its other rows, with
// DDC_DATABASE_URL, DDC_DATA_DIR and DDC_BIN set). On one anvil: ddcd anchoring the log it finds
// (every certificate so far, in one transaction), ddcd anchoring while certificates are minted,
// and beside them the rate of one anchor transaction per certificate (anvil's unlocked account
// sending anchor(root, size) for each, mined one by one). Prints one line per figure.
import assert from 'node:assert/strict';
import { startDdcd, request, world, uniq } from '../api/lib.mjs';
import { startAnvil, deploy, rpc, until, listAnchors, mintMany, cast } from '../api/chain.mjs';

const ONE_BY_ONE = 300; // transactions sent one per certificate
const MINT_S = 10;

const logSize = async (base) => {
  const r = await request(base, 'GET', '/v1/log/checkpoint');
  return r.status === 200 ? Number(r.text.split('\n')[1]) : 0;
};

// Seconds until a confirmed anchor covers size.
async function anchoredBy(srv, chainId, size, t0) {
  await until(`an anchor of size ${size}`, async () =>
    (await listAnchors(srv.base, chainId)).some((a) => a.status === 'confirmed' && a.tree_size >= size), 300000);
  return (Date.now() - t0) / 1000;
}

async function oneByOne(anvil, contract) {
  const [admin, writer] = await rpc(anvil.url, 'eth_accounts');
  const setWriter = await cast(['calldata', 'setWriter(address,bool)', writer, 'true']);
  await rpc(anvil.url, 'eth_sendTransaction', [{ from: admin, to: contract, data: setWriter }]);
  const calls = [];
  for (let i = 0; i < ONE_BY_ONE; i++) {
    const root = '0x' + (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, '0');
    calls.push('0x' + (await cast(['calldata', 'anchor(bytes32,uint64)', root, String(i + 1)])).slice(2));
  }
  const t0 = Date.now();
  const hashes = [];
  for (const data of calls) hashes.push(await rpc(anvil.url, 'eth_sendTransaction', [{ from: writer, to: contract, data, gas: '0x30000' }]));
  for (const h of hashes) await until('a receipt', async () => rpc(anvil.url, 'eth_getTransactionReceipt', [h]));
  return ONE_BY_ONE / ((Date.now() - t0) / 1000);
}

const anvil = await startAnvil();
let srv;
try {
  const env = await deploy(anvil);
  const perTx = await oneByOne(anvil, env.DDC_CHAIN_CONTRACT);
  process.env.DDC_OPERATOR_KEY_FILE ??= `${process.env.DDC_DATA_DIR}/operator.key`;
  const t0 = Date.now();
  srv = await startDdcd({ env: { ...env, DDC_PUBLIC_RATE: '0' } });
  const backlog = await logSize(srv.base);
  const backlogS = await anchoredBy(srv, anvil.chainId, backlog, t0);
  const w = await world(srv.base);
  const r = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`,
    { key: w.op, json: { amount_minor: 9_000_000_000, currency: 'CNY', reference: uniq('bench') } });
  assert.equal(r.status, 201, r.text);
  const t1 = Date.now();
  let minted = 0;
  while (Date.now() - t1 < MINT_S * 1000) minted += (await mintMany(srv.base, w.issuerKey, 200, 8)).length;
  const mintS = (Date.now() - t1) / 1000;
  const size = await until('the log covering the mints', async () => { const s = await logSize(srv.base); return s >= backlog + minted && s; });
  const mintedS = await anchoredBy(srv, anvil.chainId, size, t1);
  const txs = (await listAnchors(srv.base, anvil.chainId)).filter((a) => a.status === 'confirmed').length;
  const fmt = (x) => x.toFixed(0).padStart(8);
  const backlogRate = backlog / backlogS, mintRate = minted / mintedS;
  console.log(`${'chain: one tx per certificate'.padEnd(34)} ${fmt(perTx)} certs/s  (${ONE_BY_ONE} anchor transactions on anvil, each mined alone)`);
  console.log(`${'chain: ddcd, the log so far'.padEnd(34)} ${fmt(backlogRate)} certs/s  (${backlog} leaves anchored in ${backlogS.toFixed(2)} s from start; ${(backlogRate / perTx).toFixed(0)} x one tx per certificate, aim >= 1000)`);
  console.log(`${'chain: ddcd, while minting'.padEnd(34)} ${fmt(mintRate)} certs/s  (${minted} minted in ${mintS.toFixed(1)} s, all anchored ${mintedS.toFixed(1)} s after the first; bounded by minting; ${txs} anchor transactions in all; ${(mintRate / perTx).toFixed(1)} x one tx per certificate)`);
} catch (e) {
  console.error(`bench: chain: ${e.stack || e}`);
  process.exitCode = 1;
} finally {
  await srv?.stop();
  await anvil.stop();
}
process.exit(); // keep-alive sockets to anvil would hold the process a while
