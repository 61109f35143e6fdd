// witness.test.mjs: witnesses (c2sp.org/tlog-witness, tlog-cosignature). First `ddcd witness` on
// its own, fed by a log this suite builds itself (its own Ed25519 key and trees, RFC 9162 proofs
// computed here): it cosigns consistent checkpoints, answers 409 with its size, refuses a fork,
// keeps its state across a restart. Then three witnesses cosigning a real ddcd log with quorum 2:
// one down, still final; two down, not final and the API says so; the offline verifier checks
// the cosignatures and fails a tampered one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startDdcd, runDdcd, request, world, uniq, until } from './lib.mjs';
import { leafHash, nodeHash, verifyConsistency } from './merkle.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ddcd-witness-'));
const procs = [];
after(async () => {
  for (const p of procs) await p.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const pubKey = (raw) => crypto.createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' });
const keyId = (name, alg, raw) =>
  crypto.createHash('sha256').update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.from([alg]), raw])).digest().subarray(0, 4);

// A log of our own: name, Ed25519 key pair, verifier key string.
function makeLog(name) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const vkey = `${name}+${keyId(name, 1, raw).toString('hex')}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64')}`;
  return { name, privateKey, raw, vkey };
}

// RFC 9162 §2.1.1 tree hash and §2.1.4.1 consistency proof over leaf hashes.
function mth(leaves) {
  if (leaves.length === 1) return leaves[0];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function subproof(m, leaves, whole) {
  const n = leaves.length;
  if (m === n) return whole ? [] : [mth(leaves)];
  let k = 1;
  while (k * 2 < n) k *= 2;
  if (m <= k) return [...subproof(m, leaves.slice(0, k), whole), mth(leaves.slice(k))];
  return [...subproof(m - k, leaves.slice(k), false), mth(leaves.slice(0, k))];
}
const leavesOf = (tag, n) => Array.from({ length: n }, (_, i) => leafHash(`${tag}-${i}`));

// A signed checkpoint of the tree: its note text and the body (text before the signatures).
function signCheckpoint(log, origin, leaves) {
  const body = `${origin}\n${leaves.length}\n${mth(leaves).toString('base64')}\n`;
  const sig = crypto.sign(null, Buffer.from(body), log.privateKey);
  const line = `\u2014 ${log.name} ${Buffer.concat([keyId(log.name, 1, log.raw), sig]).toString('base64')}\n`;
  return { body, note: `${body}\n${line}` };
}

function addRequest(old, proof, note) {
  return `old ${old}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
}

// Checks a cosignature line by the witness (vkey) over body; returns its timestamp.
function checkCosignature(line, vkey, body) {
  const [name, id, key] = vkey.split(/\+(.*?)\+(.*)/s).filter((x) => x !== '');
  const raw = Buffer.from(key, 'base64');
  assert.equal(raw[0], 4, 'a cosignature key');
  const m = line.match(/^\u2014 (\S+) (\S+)\n$/);
  assert.ok(m, `a signature line: ${JSON.stringify(line)}`);
  assert.equal(m[1], name);
  const blob = Buffer.from(m[2], 'base64');
  assert.equal(blob.length, 4 + 8 + 64);
  assert.equal(blob.subarray(0, 4).toString('hex'), id);
  const ts = blob.readBigUInt64BE(4);
  const msg = Buffer.from(`cosignature/v1\ntime ${ts}\n${body}`);
  assert.ok(crypto.verify(null, msg, pubKey(raw.subarray(1)), blob.subarray(12)), 'cosignature verifies');
  return Number(ts);
}

async function keygen(name) {
  const file = path.join(dir, `${name.replace(/\//g, '_')}.key`);
  const r = await runDdcd(['witness', 'keygen', '--name', name, '--key', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  return { file, vkey: r.stdout.trim() };
}

async function startWitness(w, origin, logVkey, port = 0) {
  const p = await startDdcd({ command: ['witness', '--origin', origin, '--log-key', logVkey, '--key', w.file, '--listen', `127.0.0.1:${port}`] });
  procs.push(p);
  return p;
}

const post = (base, body) => request(base, 'POST', '/add-checkpoint', { body, headers: { 'content-type': 'text/plain' } });

test('a witness cosigns a consistent log, answers 409 with its size, refuses forks and keeps its state', async () => {
  const log = makeLog('example.org/log');
  const other = makeLog('example.org/log'); // same name, another key
  const w = await keygen('witness.example/a');
  assert.match(w.vkey, /^witness\.example\/a\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  let srv = await startWitness(w, log.name, log.vkey);

  const leaves = leavesOf('main', 13);
  const c5 = signCheckpoint(log, log.name, leaves.slice(0, 5));
  let r = await post(srv.base, addRequest(0, [], c5.note));
  assert.equal(r.status, 200, r.text);
  const t = checkCosignature(r.text, w.vkey, c5.body);
  assert.ok(Math.abs(t - Date.now() / 1000) < 60, 'timestamped now');

  r = await post(srv.base, addRequest(0, [], c5.note)); // the client is behind
  assert.equal(r.status, 409);
  assert.equal(r.headers['content-type'], 'text/x.tlog.size');
  assert.equal(r.text, '5\n');

  const c9 = signCheckpoint(log, log.name, leaves.slice(0, 9));
  const p59 = subproof(5, leaves.slice(0, 9), true);
  assert.ok(verifyConsistency(5, 9, p59, mth(leaves.slice(0, 5)), mth(leaves.slice(0, 9))), 'our own proof is right');
  r = await post(srv.base, addRequest(5, p59, c9.note));
  assert.equal(r.status, 200, r.text);
  checkCosignature(r.text, w.vkey, c9.body);
  r = await post(srv.base, addRequest(9, [], c9.note)); // the same checkpoint again: cosigned again
  assert.equal(r.status, 200, r.text);

  // a fork: the same first 5 leaves, then others; consistent with 5, not with the 9 it saw
  const fork = [...leaves.slice(0, 5), ...leavesOf('fork', 7)];
  const f12 = signCheckpoint(log, log.name, fork);
  r = await post(srv.base, addRequest(9, subproof(9, fork, true), f12.note));
  assert.equal(r.status, 422, r.text);
  const f9 = signCheckpoint(log, log.name, fork.slice(0, 9));
  r = await post(srv.base, addRequest(9, [], f9.note)); // same size, other root
  assert.equal(r.status, 409, r.text);
  assert.equal(r.text, '9\n');
  r = await post(srv.base, addRequest(5, subproof(5, fork, true), f12.note)); // from an older size
  assert.equal(r.status, 409);

  // proofs altered by one bit fail
  const c13 = signCheckpoint(log, log.name, leaves);
  const p913 = subproof(9, leaves, true);
  for (let i = 0; i < p913.length; i++) {
    const bad = p913.map((h) => Buffer.from(h));
    bad[i][i % 32] ^= 1;
    r = await post(srv.base, addRequest(9, bad, c13.note));
    assert.equal(r.status, 422, `bit flip in proof hash ${i}`);
  }

  // refusals: unknown origin, signature by another key, malformed, old > size, too large
  r = await post(srv.base, addRequest(0, [], signCheckpoint(log, 'example.org/other', leaves).note));
  assert.equal(r.status, 404);
  r = await post(srv.base, addRequest(9, p913, signCheckpoint(other, log.name, leaves).note));
  assert.equal(r.status, 403);
  for (const bad of ['', 'old 9\n', 'old 09\n\n' + c13.note, 'old x\n\n' + c13.note, `old 9\nnot-base64\n\n${c13.note}`, `old 9\n\n${c13.body}`])
    assert.equal((await post(srv.base, bad)).status, 400, JSON.stringify(bad.slice(0, 20)));
  r = await post(srv.base, addRequest(14, [], c13.note));
  assert.equal(r.status, 400);
  r = await post(srv.base, 'old 0\n' + 'A'.repeat(70 * 1024));
  assert.equal(r.status, 413);
  r = await request(srv.base, 'GET', '/add-checkpoint');
  assert.equal(r.status, 405);

  // the state survives a restart: it still refuses the fork and knows its size
  await srv.stop();
  srv = await startWitness(w, log.name, log.vkey);
  r = await post(srv.base, addRequest(0, [], c5.note));
  assert.equal(r.status, 409);
  assert.equal(r.text, '9\n');
  r = await post(srv.base, addRequest(9, subproof(9, fork, true), f12.note));
  assert.equal(r.status, 422);
  r = await post(srv.base, addRequest(9, p913, c13.note));
  assert.equal(r.status, 200, r.text);
  checkCosignature(r.text, w.vkey, c13.body);
  await srv.stop();
});

// ---- three witnesses on a real ddcd log ----

let srv, w;
const wit = [];

// A loopback port free right now (a witness keeps its URL across a restart).
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});


async function mint() {
  const r = await request(srv.base, 'POST', '/v1/certificates', { key: w.issuerKey, json: { kind: 'generic', metadata: { title: uniq('witnessed') } } });
  assert.equal(r.status, 201, r.text);
  return r.json;
}
const verify = async (code) => (await request(srv.base, 'GET', `/v1/verify/${code}`)).json;
const status = async () => (await request(srv.base, 'GET', '/v1/log/witnesses')).json;

test('three witnesses, quorum 2: one down still final, two down not final, and back', async () => {
  // ddcd's log key: the witnesses need it before ddcd runs with them, so a first ddcd tells it
  const first = await startDdcd({ env: { DDC_PUBLIC_RATE: '0' } });
  const logVkey = (await request(first.base, 'GET', '/v1/log/key')).text.trim();
  await first.stop();
  const origin = logVkey.split('+')[0];
  for (const n of ['w1', 'w2', 'w3']) {
    const k = await keygen(`${n}.witness.example`);
    const port = await freePort();
    wit.push({ ...k, port, proc: await startWitness(k, origin, logVkey, port) });
  }
  const list = wit.map((x) => `${x.proc.base} ${x.vkey}`).join(',');
  srv = await startDdcd({ env: { DDC_PUBLIC_RATE: '0', DDC_ANCHOR_INTERVAL_MS: '100', DDC_WITNESSES: list, DDC_WITNESS_QUORUM: '2' } });
  procs.push(srv);
  w = await world(srv.base);
  const rc = await request(srv.base, 'POST', `/v1/accounts/${w.issuer.id}/recharges`, { key: w.op, json: { amount_minor: 100000, currency: 'CNY', reference: uniq('wit') } });
  assert.equal(rc.status, 201);

  const a = await mint();
  let v = await until('a final and valid', async () => { const x = await verify(a.code); return x.result === 'valid' && x; });
  assert.equal(v.final, true);
  assert.match(v.checks.find((c) => c.name === 'witness_cosignatures').detail, /^3 of 3 .*quorum 2\)$/);
  let s = await status();
  assert.equal(s.quorum, 2);
  assert.equal(s.witnesses.length, 3);
  const bundleA = (await request(srv.base, 'GET', `/v1/verify/${a.code}/bundle`)).json;
  assert.deepEqual(bundleA.witnesses, wit.map((x) => x.vkey));
  assert.equal(bundleA.witness_quorum, 2);
  const [text] = bundleA.checkpoint.split('\n\n');
  for (const x of wit) {
    const line = bundleA.checkpoint.split('\n').find((l) => l.startsWith(`\u2014 ${x.vkey.split('+')[0]} `));
    checkCosignature(`${line}\n`, x.vkey, `${text}\n`);
  }

  // offline: the bundle verifies with the witness keys; a flipped cosignature byte fails it
  const file = path.join(dir, 'bundle.json');
  fs.writeFileSync(file, JSON.stringify(bundleA));
  const keys = wit.flatMap((x) => ['--witness-key', x.vkey]);
  let r = await runDdcd(['verify', file, '--log-key', logVkey, ...keys]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\u2713 witness_cosignatures: 3 of 3/);
  const bad = structuredClone(bundleA);
  const w2name = wit[1].vkey.split('+')[0];
  bad.checkpoint = bad.checkpoint.split('\n').map((l) => {
    if (!l.startsWith(`\u2014 ${w2name} `)) return l;
    const blob = Buffer.from(l.split(' ')[2], 'base64');
    blob[40] ^= 1;
    return `\u2014 ${w2name} ${blob.toString('base64')}`;
  }).join('\n');
  fs.writeFileSync(file, JSON.stringify(bad));
  r = await runDdcd(['verify', file, '--log-key', logVkey, ...keys]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /\u2717 checkpoint_signature/);
  const posted = await request(srv.base, 'POST', '/v1/verify', { json: bad });
  assert.equal(posted.json.result, 'invalid');
  assert.equal(posted.json.checks.find((c) => c.name === 'checkpoint_signature').ok, false);
  // only one witness key trusted, quorum 1: still valid; a key that did not cosign: not anchored
  fs.writeFileSync(file, JSON.stringify(bundleA));
  r = await runDdcd(['verify', file, '--log-key', logVkey, '--witness-key', wit[0].vkey]);
  assert.equal(r.code, 0, r.stdout);
  const stranger = await keygen('stranger.witness.example');
  r = await runDdcd(['verify', file, '--log-key', logVkey, '--witness-key', stranger.vkey]);
  assert.equal(r.code, 3, r.stdout);
  assert.match(r.stdout, /result: not_yet_anchored/);

  // one witness down: still final
  await wit[0].proc.stop();
  const b = await mint();
  v = await until('b final with two witnesses', async () => { const x = await verify(b.code); return x.result === 'valid' && x; });
  assert.equal(v.final, true);
  assert.match(v.checks.find((c) => c.name === 'witness_cosignatures').detail, /^2 of 3 /);

  // two down: a new certificate is not final, and the API says so; older ones stay valid
  await wit[1].proc.stop();
  const c = await mint();
  await until('c in the log', async () => (await status()).size > (await status()).final_size);
  await new Promise((res) => setTimeout(res, 500));
  v = await verify(c.code);
  assert.equal(v.result, 'not_yet_anchored');
  assert.equal(v.final, false);
  assert.match(v.checks.find((x) => x.name === 'witness_cosignatures').detail, /^1 of 3 .*not final yet$/);
  s = await status();
  assert.equal(s.final, false);
  assert.ok(s.size > s.final_size);
  assert.equal((await verify(b.code)).result, 'valid', 'b keeps its final checkpoint');
  const cp = await request(srv.base, 'GET', '/v1/log/checkpoint');
  assert.equal(Number(cp.text.split('\n')[1]), s.final_size, 'the checkpoint served is the newest final one');

  // a witness back: it catches up from the size it had (a consistency proof), c becomes final
  wit[1].proc = await startWitness(wit[1], origin, logVkey, wit[1].port);
  procs.push(wit[1].proc);
  v = await until('c final again', async () => { const x = await verify(c.code); return x.result === 'valid' && x; }, 45000);
  assert.equal(v.final, true);
  s = await status();
  assert.equal(s.final, true);
  assert.ok(s.witnesses[1].cosigned_size >= s.final_size);
});
