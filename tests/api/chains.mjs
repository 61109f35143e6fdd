// chains.mjs: helpers for anchoring on several chains at once (tests/api/chains3.test.mjs and
// `make bench`): a gateway-like JSON-RPC proxy that refuses calls without the right x-api-key,
// a DDC_CHAINS_FILE with its contracts deployed by `ddcd chain deploy --chain NAME`, and a
// watcher that notes when each checkpoint size first appears and when each chain's anchor of it
// is first seen confirmed (the anchoring lag per chain).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import assert from 'node:assert/strict';
import { LOGS, runDdcd, request } from './lib.mjs';
import { DEV_KEY, sleep } from './chain.mjs';

// A loopback HTTP proxy to the JSON-RPC node at target that answers 401 unless the request
// carries `x-api-key: key` (as a BSN gateway does); resolves {url, refused (a count), close()}.
export async function startKeyProxy(target, key) {
  const p = { refused: 0 };
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    if (req.headers['x-api-key'] !== key) {
      p.refused++;
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"a valid x-api-key header is required"}');
      return;
    }
    try {
      const r = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks), signal: AbortSignal.timeout(30000) });
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(Buffer.from(await r.arrayBuffer()));
    } catch {
      res.writeHead(502);
      res.end();
    }
  });
  await new Promise((res) => server.listen(0, '127.0.0.1', res));
  p.url = `http://127.0.0.1:${server.address().port}`;
  p.close = () => new Promise((res) => { server.closeAllConnections(); server.close(() => res()); });
  return p;
}

// Writes the chains file for chains [{name, url, chainId, headers?, contract?}] (anvil's first
// development key for each, one confirmation, interval_s seconds between anchors); returns its path.
export function writeChainsFile(chains, intervalS, file = path.join(LOGS, `chains-${process.pid}.json`)) {
  const keyFile = path.join(LOGS, `chains-${process.pid}.key`);
  fs.writeFileSync(keyFile, DEV_KEY + '\n', { mode: 0o600 });
  const entries = chains.map((c) => ({
    name: c.name, rpc_url: c.url, chain_id: c.chainId, key_file: keyFile, confirmations: 1,
    interval_s: intervalS, headers: c.headers || {}, ...(c.contract ? { contract: c.contract } : {}),
  }));
  fs.writeFileSync(file, JSON.stringify(entries, null, 2) + '\n');
  return file;
}

// Deploys the registry on each chain with `ddcd chain deploy --chain NAME` (which prints the
// address alone) and writes the chains file again with the contracts; returns its path.
export async function deployChains(chains, intervalS) {
  const file = writeChainsFile(chains, intervalS);
  for (const c of chains) {
    const r = await runDdcd(['chain', 'deploy', '--chain', c.name], { DDC_CHAINS_FILE: file });
    assert.equal(r.code, 0, `deploy on ${c.name}: ${r.stderr}`);
    assert.match(r.stdout, /^0x[0-9a-f]{40}\n?$/, `deploy on ${c.name} prints the address alone`);
    c.contract = r.stdout.trim();
  }
  return writeChainsFile(chains, intervalS, file);
}

// The log's size now (0 while it is empty).
export async function logSize(base) {
  const r = await request(base, 'GET', '/v1/log/checkpoint');
  if (r.status === 404) return 0;
  assert.equal(r.status, 200, r.text);
  return Number(r.text.split('\n')[1]);
}

// Every anchor on chain name with chain id chainId, oldest first (GET /v1/chain/anchors?chain=,
// page by page; the id tells this suite's chain from an earlier one of the same name in a shared
// database).
export async function chainAnchors(base, name, chainId) {
  const out = [];
  for (let cursor = 0; ;) {
    const r = await request(base, 'GET', `/v1/chain/anchors?chain=${encodeURIComponent(name)}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.items.filter((a) => a.chain_id === chainId));
    if (!r.json.next_cursor) return out;
    cursor = r.json.next_cursor;
  }
}

// Polls ddcd every everyMs: the first time each checkpoint size is seen, and per chain (chains:
// [{name, chainId}]) the first time each of its anchors is seen confirmed. lags(name, from, to): for each checkpoint first seen in
// [from, to) (ms since the epoch), the seconds until a confirmed anchor on that chain covered it
// (Infinity: none yet). stop() ends the polling; errors holds what a poll failed with.
export function watchAnchoring(base, chains, everyMs = 200) {
  const names = chains.map((c) => c.name), ids = Object.fromEntries(chains.map((c) => [c.name, c.chainId]));
  const sizes = new Map(); // size -> first seen
  const confirmed = Object.fromEntries(names.map((n) => [n, []])); // [{size, at}]
  const known = Object.fromEntries(names.map((n) => [n, new Set()]));
  const cursor = Object.fromEntries(names.map((n) => [n, 0]));
  let running = true;
  const tick = async () => {
    const size = await logSize(base);
    if (size && !sizes.has(size)) sizes.set(size, Date.now());
    for (const n of names) {
      const r = await request(base, 'GET', `/v1/chain/anchors?chain=${encodeURIComponent(n)}&limit=100${cursor[n] ? `&cursor=${cursor[n]}` : ''}`);
      assert.equal(r.status, 200, r.text);
      let settled = true;
      for (const a of r.json.items) {
        if (a.chain_id !== ids[n]) { if (settled) cursor[n] = a.id; continue; }
        if (a.status === 'confirmed' && !known[n].has(a.id)) {
          known[n].add(a.id);
          confirmed[n].push({ size: a.tree_size, at: Date.now() });
        }
        settled = settled && a.status !== 'pending';
        if (settled) cursor[n] = a.id; // the next poll starts after what can no longer change
      }
    }
  };
  const errors = [];
  const loop = (async () => {
    while (running) {
      await tick().catch((e) => errors.push(e));
      await sleep(everyMs);
    }
  })();
  return {
    sizes, confirmed, errors,
    lags(name, from = 0, to = Infinity) {
      const out = [];
      for (const [size, at] of sizes) {
        if (at < from || at >= to) continue;
        const first = confirmed[name].filter((c) => c.size >= size).reduce((m, c) => Math.min(m, c.at), Infinity);
        out.push(first === Infinity ? Infinity : Math.max(0, first - at) / 1000);
      }
      return out;
    },
    async stop() { running = false; await loop; },
  };
}

// p50 and max of a list of numbers.
export function p50max(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: s.length ? s[Math.floor((s.length - 1) / 2)] : NaN, max: s.length ? s[s.length - 1] : NaN };
}
