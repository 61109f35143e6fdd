// twoside.mjs: ddcd deployments that talk to each other, for the cross-operator suites. Each has
// its own PostgreSQL cluster (cluster.mjs), log origin and public URL on a loopback port fixed for
// its life (a killed ddcd comes back at the address its peers pinned); start, kill -9 and restart,
// with a fault point armed (DDC_FAULT_POINT) or not; pins; and signing as the deployment's log
// key (peer requests, ddc peer protocol v1) and checking signed statements, for suites that send
// packets by hand. Everything is stopped and destroyed by destroy(), or when the process exits.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { startDdcd, request } from './lib.mjs';
import { cluster } from './cluster.mjs';
import { jcsBytes } from './jcs.mjs';
import { openSealed, KEYS_LOG_KEY } from './sealed.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();

// A loopback port nothing listens on now.
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// An Ed25519 public key object from a note verifier key "name+keyid+base64(0x01 || key)".
export function verifierKey(vkey) {
  const raw = Buffer.from(vkey.split('+').slice(2).join('+'), 'base64');
  assert.equal(raw[0], 1, 'an Ed25519 note key');
  return crypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'),
    raw.subarray(1)]), format: 'der', type: 'spki' });
}

// A deployment named tag: its cluster, migrated and initialised with its log origin
// "<tag>.peer.test/log", and nothing started yet. env: more settings for every ddcd it starts.
export async function deployment(tag, { env = {} } = {}) {
  const origin = `${tag}.peer.test/log`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const db = await cluster(tag, { DDC_LOG_ORIGIN: origin });
  const [name, pubHex, sealedHex] = db.sql('pg',
    "SELECT name, encode(public_key, 'hex'), encode(sealed_secret, 'hex') FROM log_keys").split('|');
  assert.equal(name, origin);
  const raw = Buffer.concat([Buffer.from([1]), Buffer.from(pubHex, 'hex')]);
  const keyid = sha256(Buffer.concat([Buffer.from(`${name}\n`), raw])).subarray(0, 4).toString('hex');
  let signer = null;
  const d = {
    tag, origin, port, base, db, keyid, op: db.op, srv: null, started: 0,
    logKey: `${name}+${keyid}+${raw.toString('base64')}`,
    env: { ...db.env, DDC_LOG_ORIGIN: origin, DDC_PUBLIC_URL: base, DDC_THREADS: '4', ...env },
    sql: (q) => db.sql('pg', q),
    alive: () => !!d.srv && d.srv.proc.exitCode === null && d.srv.proc.signalCode === null,
    // Starts ddcd serve on the deployment's port (more: settings for this process only, e.g. a
    // fault point); a port still held by a process that just died is tried again.
    async start(more = {}) {
      assert.ok(!d.alive(), `${tag}: already running`);
      for (let i = 0; ; i++) {
        try {
          d.srv = await startDdcd({ env: { ...d.env, PGAPPNAME: `ddcd-${tag}-${++d.started}`, ...more },
            command: ['serve', '--listen', `127.0.0.1:${port}`] });
          d.srv.armed = more.DDC_FAULT_POINT || null;
          return d.srv;
        } catch (e) {
          if (i >= 20) throw e;
          await sleep(250);
        }
      }
    },
    // kill -9 now; resolves once it is gone.
    async kill() {
      assert.ok(d.alive(), `${tag}: not running`);
      d.srv.proc.kill('SIGKILL');
      await d.srv.exited;
    },
    async stop() { if (d.alive()) await d.srv.stop(); },
    // Resolves how the running ddcd ended ({code, sig}), or null if it still runs after ms.
    async ended(ms) {
      const srv = d.srv;
      let timer;
      const late = new Promise((r) => { timer = setTimeout(r, ms, null); });
      const how = await Promise.race([srv.exited, late]);
      clearTimeout(timer);
      return how;
    },
    // The log key's private half, opened from the database with the master key (checked
    // against the public key it is stored with).
    signer() {
      if (signer) return signer;
      const seed = openSealed(fs.readFileSync(d.env.DDC_MASTER_KEY_FILE), KEYS_LOG_KEY, Buffer.from(sealedHex, 'hex'));
      signer = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
        seed]), format: 'der', type: 'pkcs8' });
      const pub = crypto.createPublicKey(signer).export({ format: 'der', type: 'spki' }).subarray(12);
      assert.equal(pub.toString('hex'), pubHex, `${tag}: the opened log key is the stored one`);
      return signer;
    },
    async destroy() {
      await d.stop().catch(() => {});
      db.destroy();
    },
  };
  return d;
}

// POST /v1/peers at `at` (operator): pins `peer` under name; returns the row.
export async function pin(at, peer, name, extra = {}) {
  const r = await request(at.base, 'POST', '/v1/peers', { key: at.op,
    json: { name, url: peer.base, log_key: peer.logKey, ...extra } });
  assert.equal(r.status, 201, `pin ${name} at ${at.tag}: ${r.text}`);
  return r.json;
}

// The DDC-Peer-Signature value of a request from `from` to `to`, signed with from's log key.
export function peerSignature(from, to, method, pathAndQuery, body, created = Math.floor(Date.now() / 1000)) {
  const msg = `ddc-peer-request/v1\n${method}\n${pathAndQuery}\n${created}\n${sha256(body).toString('hex')}\n${to.origin}`;
  const sig = crypto.sign(null, Buffer.from(msg), from.signer()).toString('base64url');
  return `keyid=${from.keyid},created=${created},sig=${sig}`;
}

// A server-to-server request from `from` to `to`, signed now (body: a string, sent as it is).
export function peerRequest(from, to, method, pathAndQuery, body = '') {
  return request(to.base, method, pathAndQuery, { body, headers: { 'content-type': 'application/json',
    'ddc-peer-signature': peerSignature(from, to, method, pathAndQuery, Buffer.from(body)) } });
}

// Whether a signed statement (receipt, refusal, closed) carries a good signature by vkey.
export function statementSigned(st, vkey) {
  if (!st || typeof st.signature !== 'string') return false;
  const { signature, ...rest } = st;
  const msg = Buffer.concat([Buffer.from('ddc-peer-statement/v1\n'), jcsBytes(rest)]);
  return crypto.verify(null, msg, verifierKey(vkey), Buffer.from(signature, 'base64url'));
}
