// chain.mjs: helpers for the chain suites: a real anvil (npm @foundry-rs/anvil) on a free
// loopback port, stopped with the suite (also when it fails or is interrupted), JSON-RPC calls to
// it, foundry's cast, and a ddcd chain key and contract.
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { LOGS, runDdcd, request, uniq, until as pollUntil } from './lib.mjs';

// The binaries themselves, from the platform packages (node_modules/.bin holds node wrappers,
// which would leave the binary running when killed).
const MODULES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');
const PLATFORM = `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
const tool = (name) => path.join(MODULES, '@foundry-rs', `${name}-${PLATFORM}`, 'bin', name);
// anvil's first development account: a publicly known test key, funded on every anvil.
export const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const DEV_ADDR = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

export const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// Starts anvil with its own chain id (so that each suite's anchors and nonces are its own in
// the shared database); resolves {url, chainId, proc, stop()}.
export async function startAnvil(args = []) {
  const port = await freePort();
  const chainId = 100000 + Math.floor(Math.random() * 1e8);
  const log = path.join(LOGS, `anvil-${process.pid}-${port}.log`);
  const out = fs.openSync(log, 'a');
  const proc = spawn(tool('anvil'), ['--host', '127.0.0.1', '--port', String(port),
    '--chain-id', String(chainId), ...args], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  running.add(proc);
  const exited = new Promise((res) => proc.on('exit', () => { running.delete(proc); res(); }));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { await rpc(url, 'eth_chainId'); break; } catch (e) {
      if (i > 100 || proc.exitCode !== null) throw new Error(`anvil did not start (see ${log}): ${e.message}`);
      await sleep(100);
    }
  }
  return {
    url, chainId, proc, log,
    async stop() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); return exited; },
  };
}

// One JSON-RPC call; throws on a transport or JSON-RPC error.
export async function rpc(url, method, params = []) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(10000) });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

// Runs foundry's cast; resolves its trimmed stdout.
export function cast(args) {
  return new Promise((resolve, reject) => {
    execFile(tool('cast'), args, (err, stdout, stderr) =>
      err ? reject(new Error(`cast ${args.join(' ')}: ${stderr}`)) : resolve(stdout.trim()));
  });
}

// Writes the dev key to a file and deploys the root registry with `ddcd chain deploy`; returns
// the env a ddcd needs to anchor there.
export async function deploy(anvil, { mine = false } = {}) {
  const keyFile = path.join(LOGS, `chain-${process.pid}-${anvil.chainId}.key`);
  fs.writeFileSync(keyFile, DEV_KEY + '\n', { mode: 0o600 });
  const env = { DDC_CHAIN_RPC_URL: anvil.url, DDC_CHAIN_KEY_FILE: keyFile, DDC_CHAIN_ID: String(anvil.chainId) };
  let done = false;
  const miner = mine ? (async () => { while (!done) { await rpc(anvil.url, 'evm_mine'); await sleep(200); } })() : null;
  const r = await runDdcd(['chain', 'deploy'], env);
  done = true;
  await miner;
  assert.equal(r.code, 0, r.stderr);
  const contract = r.stdout.trim();
  assert.match(contract, /^0x[0-9a-f]{40}$/);
  return { ...env, DDC_CHAIN_CONTRACT: contract, DDC_CHAIN_INTERVAL_S: '1' };
}

// Polls fn until it returns a truthy value; fails after ms.
export const until = (what, fn, ms = 60000) => pollUntil(what, fn, ms);

// Every Anchored event of the contract: [{root, treeSize, writer, blockNumber, txHash}].
export async function anchoredEvents(url, contract) {
  const topic = await cast(['keccak', 'Anchored(bytes32,uint64,address,uint256)']);
  const logs = await rpc(url, 'eth_getLogs', [{ address: contract, fromBlock: '0x0', toBlock: 'latest', topics: [topic] }]);
  return logs.map((l) => ({ root: l.topics[1].slice(2), treeSize: Number(BigInt(l.topics[2])),
    writer: '0x' + l.topics[3].slice(26), blockNumber: Number(BigInt('0x' + l.data.slice(2))), txHash: l.transactionHash }));
}

// The suite's anchors (its anvil has its own chain id) from ddcd's public list, every page of it
// (the database may hold more than a page of other suites' anchors).
export async function listAnchors(base, chainId) {
  const out = [];
  for (let cursor = ''; ;) {
    const r = await request(base, 'GET', `/v1/chain/anchors?limit=100${cursor && `&cursor=${cursor}`}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.items.filter((a) => a.chain_id === chainId));
    if (!r.json.next_cursor) return out;
    cursor = r.json.next_cursor;
  }
}

// No anchor pending, each settled anchor's transaction from the sender with the next nonce after
// the deployment's two (none twice, none skipped), the node's count agreeing, and every
// confirmed root exactly once among the Anchored events.
export async function checkNonces(base, anvil, contract) {
  const list = await until('no anchor pending', async () => {
    const l = await listAnchors(base, anvil.chainId);
    return l.every((a) => a.status !== 'pending') && l;
  });
  const nonces = [];
  for (const a of list) {
    const tx = await rpc(anvil.url, 'eth_getTransactionByHash', [a.tx_hash]);
    assert.equal(tx.from.toLowerCase(), DEV_ADDR);
    nonces.push(Number(BigInt(tx.nonce)));
  }
  assert.deepEqual(nonces, nonces.map((_, i) => i + 2), 'nonces 2, 3, ... in anchor order');
  const count = Number(BigInt(await rpc(anvil.url, 'eth_getTransactionCount', [DEV_ADDR, 'latest'])));
  assert.equal(count, 2 + list.length, 'no other transaction from the sender');
  const events = await anchoredEvents(anvil.url, contract);
  assert.deepEqual(events.map((e) => e.root).sort(),
    list.filter((a) => a.status === 'confirmed').map((a) => a.root).sort(), 'each root once on chain');
  return list;
}

// Mints n certificates as key, width at a time over keep-alive connections; returns them.
export async function mintMany(base, key, n, width = 8) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: width });
  let next = 0;
  const certs = [];
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) {
      next++;
      const r = await request(base, 'POST', '/v1/certificates', { key, agent,
        json: { kind: 'generic', metadata: { title: uniq('anchored') } } });
      assert.equal(r.status, 201, r.text);
      certs.push(r.json);
    }
  }));
  agent.destroy();
  return certs;
}

