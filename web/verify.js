// verify.js: checks a ddc.bundle/v1 proof bundle in the browser, as bundle_verdict does in C,
// reading only signed data: the document (JCS text, issuer's Ed25519 signature), the events'
// canonical texts (hash chain), their RFC 9162 inclusion proofs in the checkpoint's tree, the
// checkpoint's signature by the trusted log key and, when the bundle lists witnesses, their
// cosignatures, and the issuer's logged profile event. Each check is {id, ok: true | false |
// null (not yet / not checked), args}.
import { jcs, sameJson } from './jcs.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';
import {
  ALG_COSIGNATURE, ALG_ED25519, ed25519Verify, noteCosignedBy, noteSignedBy, openNote,
  parseCheckpoint, parseVerifierKey, sha256, toHex, unbase64, unbase64url,
} from './note.js';

const enc = new TextEncoder();
const str = (v) => (typeof v === 'string' ? v : '');
const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);

// The document's fields as the certificate shows them (document name, certificate name).
const FIELDS = [['code', 'code'], ['ddcId', 'ddc_id'], ['keyId', 'key_id'], ['issuer', 'issuer_id'],
  ['kind', 'kind'], ['contentHash', 'content_hash'], ['uri', 'uri'], ['validFrom', 'valid_from'],
  ['validUntil', 'valid_until'], ['issuedAt', 'issued_at']];
const MOVES = { mint: 'active', freeze: 'frozen', unfreeze: 'active', revoke: 'revoked', burn: 'burned', transfer: null, approve: null,
  uri_set: null, edition_transfer: null, edition_burn: null, mint_more: null,
  // cross-operator transfer, the source side: locked while exported, moved once received there
  export_started: 'exporting', export_completed: 'moved', export_refused: 'active', export_cancelled: 'active' };

function parse(text) {
  try { return JSON.parse(text); } catch { return undefined; }
}

// An event's signed content: its canonical text parsed, or null.
function canon(event) {
  const c = obj(parse(str(obj(event)?.canonical)));
  return c && c.v === 'ddc.event/v1' ? c : null;
}

async function hexSha256(text) {
  return toHex(await sha256(enc.encode(text)));
}

async function checkDocument(checks, doc, d, cert, key, events) {
  let canonical = false;
  try { canonical = d !== undefined && jcs(d) === doc; } catch { canonical = false; }
  const hash = await hexSha256(doc);
  checks.push({ id: 'document_hash', ok: canonical && hash === str(cert?.cert_hash), args: { hash } });
  let same = !!obj(d) && !!cert;
  // a URI set after the mint (write-once) is the one its logged uri_set event names
  const uriLogged = (uri) => (Array.isArray(events) ? events : []).some((e) => {
    const c = canon(e);
    return c?.type === 'uri_set' && typeof uri === 'string' && c.data?.uri === uri;
  });
  for (const [dn, cn] of FIELDS) {
    same = same && (sameJson(d[dn], cert[cn]) || (dn === 'uri' && d[dn] === null && uriLogged(cert[cn])));
  }
  same = same && sameJson(d.keyId, key?.key_id);
  checks.push({ id: 'document_names_certificate', ok: same });
  const sig = unbase64url(str(cert?.signature)), pub = unbase64url(str(key?.public_key));
  const ok = await ed25519Verify(pub, sig, enc.encode(doc));
  checks.push({ id: 'issuer_signature', ok, args: { key: str(key?.public_key) } });
  return hash;
}

function checkKeyEvents(checks, d, key) {
  const add = canon(key?.key_event), ret = canon(key?.retired_event);
  let ok = !!add && add.type === 'key_added' && sameJson(add.account, d?.issuer) &&
    sameJson(add.data?.keyId, d?.keyId) && str(add.data?.publicKey) === str(key?.public_key) &&
    str(add.data?.validFrom) === str(key?.valid_from);
  const retired = str(key?.retired_at);
  ok = ok && (retired ? !!ret && ret.type === 'key_retired' &&
    sameJson(ret.account, d?.issuer) && sameJson(ret.data?.keyId, d?.keyId) &&
    str(ret.data?.retiredAt) === retired : !ret);
  checks.push({ id: 'key_events_match', ok });
}

// The events from their signed texts: hashes, chain, this certificate, minted from this
// document. Returns {status, events (parsed)}; status null when the chain fails.
async function checkEvents(checks, events, docHash, d) {
  let ok = Array.isArray(events) && events.length > 0, prev = '', status = null;
  const parsed = [];
  for (const [i, e] of (Array.isArray(events) ? events : []).entries()) {
    const c = canon(e);
    const text = str(obj(e)?.canonical);
    const hash = await hexSha256(text);
    ok = ok && !!c && sameJson(c.ddcId, d?.ddcId) && (i === 0 ? c.prev === null : c.prev === prev) &&
      hash === str(e.event_hash);
    if (i === 0) ok = ok && c?.type === 'mint' && str(c?.data?.certHash) === docHash;
    const type = str(c?.type);
    ok = ok && Object.hasOwn(MOVES, type);
    if (ok && MOVES[type]) status = MOVES[type];
    if (c) parsed.push(c);
    prev = hash;
  }
  checks.push({ id: 'event_chain', ok, args: { n: parsed.length } });
  return { status: ok ? status : null, events: parsed };
}

// Leaf index of an event whose inclusion the bundle carries, or -1.
function leafOf(event) {
  const li = obj(event)?.leaf_index;
  return Number.isInteger(obj(event?.inclusion)?.size) && Number.isInteger(li) ? li : -1;
}

function checkKeyOrder(checks, key, events) {
  const add = leafOf(key?.key_event), mint = leafOf(events?.[0]);
  const gone = obj(key?.retired_event) ? leafOf(key.retired_event) : Infinity;
  const anchored = add >= 0 && mint >= 0 && gone >= 0;
  checks.push({ id: 'key_valid_at_issue', ok: anchored ? add < mint && mint < gone : null });
}

// The checkpoint, signed by the trusted key: {cp, note} or null (the check says why).
async function checkCheckpoint(checks, b, trusted) {
  const note = str(b.checkpoint);
  if (!note) {
    checks.push({ id: 'checkpoint_signature', ok: null, args: { why: 'none' } });
    return null;
  }
  const key = await parseVerifierKey(trusted || str(b.log_key));
  const opened = openNote(note);
  const signed = key && key.alg === ALG_ED25519 && opened ? await noteSignedBy(opened, key) : 'bad';
  const cp = signed === 'ok' ? parseCheckpoint(opened.text) : null;
  checks.push({ id: 'checkpoint_signature', ok: !!cp, args: { key: key ? key.name : '', size: cp ? String(cp.size) : '' } });
  return cp ? { cp, note: opened } : null;
}

// One check per inclusion proof; returns 1 all in the tree, 0 some not yet, -1 a proof fails.
async function checkInclusions(checks, b, signed) {
  const key = obj(b.signing_key);
  const items = [['key_added', key?.key_event], ...(Array.isArray(b.events) ? b.events : []).map((e) => [canon(e)?.type || '?', e])];
  if (obj(key?.retired_event)) items.push(['key_retired', key.retired_event]);
  let worst = 1;
  for (const [type, e] of items) {
    const inc = obj(e?.inclusion), li = obj(e)?.leaf_index;
    const args = { type, index: Number.isInteger(li) ? li : '?' };
    if (!signed) {
      checks.push({ id: 'inclusion', ok: null, args: { ...args, why: 'no_checkpoint' } });
      worst = Math.min(worst, 0);
      continue;
    }
    if (!inc || !Number.isInteger(li)) {
      checks.push({ id: 'inclusion', ok: null, args: { ...args, why: 'pending' } });
      worst = Math.min(worst, 0);
      continue;
    }
    const proof = Array.isArray(inc.proof) ? inc.proof.map(unbase64) : [null];
    const ok = BigInt(Number.isInteger(inc.size) ? inc.size : -1) === signed.cp.size &&
      proof.every((p) => p) &&
      await verifyInclusion(await leafHash(enc.encode(str(e.canonical))), BigInt(li), signed.cp.size, proof, signed.cp.root);
    checks.push({ id: 'inclusion', ok, args: { ...args, size: String(signed.cp.size) } });
    if (!ok) worst = -1;
  }
  return worst;
}

// Witness cosignatures, when the bundle lists witnesses: 1 quorum met, 0 not yet, -1 a bad one.
async function checkWitnesses(checks, b, signed) {
  if (!Array.isArray(b.witnesses) || b.witnesses.length === 0) return 1;
  const m = b.witnesses.length;
  const k = Number.isInteger(b.witness_quorum) && b.witness_quorum >= 1 ? b.witness_quorum : m;
  let n = 0, bad = 0;
  for (const w of b.witnesses) {
    const key = await parseVerifierKey(w);
    const r = key && key.alg === ALG_COSIGNATURE && signed ? await noteCosignedBy(signed.note, key) : 'none';
    if (r === 'ok') n++;
    if (r === 'bad' || !key) bad++;
  }
  const ok = bad ? false : n >= k ? true : null;
  checks.push({ id: 'witnesses', ok, args: { n, m, k, bad } });
  return ok === true ? 1 : ok === null ? 0 : -1;
}

// The chain anchor, when the bundle has one: its tree is a prefix of the checkpoint's (RFC 9162
// consistency proof). Whether the chain really holds that root is for a chain node to say.
async function checkChainAnchor(checks, b, signed) {
  const a = obj(b.chain_anchor);
  if (!a || !signed) return;
  const root = unbase64(str(a.root)), size = Number.isInteger(a.tree_size) ? BigInt(a.tree_size) : 0n;
  const proof = Array.isArray(a.consistency) ? a.consistency.map(unbase64) : [null];
  const ok = !!root && proof.every((p) => p) &&
    await verifyConsistency(size, signed.cp.size, proof, root, signed.cp.root);
  checks.push({ id: 'chain_anchor', ok, args: { chain: String(a.chain_id), block: String(a.block_number), tx: str(a.tx_hash), size: String(a.tree_size) } });
}

// The issuer's newest profile_set event, when the bundle carries one (issuer.profile_event): its
// signed text hashes to its event_hash, is the document's issuer's and is in the checkpoint's
// tree. Returns {profile: the logged profile {name, url, logoUrl, domain, domainCheckedAt} once
// it is in the tree, else null; pending: it is not in the tree yet (not settled, as in C)}.
async function checkProfile(checks, b, d, signed) {
  const e = obj(obj(b.issuer)?.profile_event);
  if (!e) return { profile: null, pending: false };
  const c = canon(e);
  const ok = !!c && c.type === 'profile_set' && sameJson(c.account, d?.issuer) &&
    (await hexSha256(str(e.canonical))) === str(e.event_hash);
  const inc = obj(e.inclusion), li = e.leaf_index;
  let inLog = 0;
  if (ok && signed && inc && Number.isInteger(li)) {
    const proof = Array.isArray(inc.proof) ? inc.proof.map(unbase64) : [null];
    inLog = BigInt(Number.isInteger(inc.size) ? inc.size : -1) === signed.cp.size && proof.every((p) => p) &&
      await verifyInclusion(await leafHash(enc.encode(str(e.canonical))), BigInt(li), signed.cp.size, proof, signed.cp.root) ? 1 : -1;
  }
  checks.push({ id: 'issuer_profile', ok: !ok || inLog < 0 ? false : inLog > 0 ? true : null });
  return { profile: ok && inLog > 0 ? obj(c.data) : null, pending: ok && inLog === 0 };
}

// Now as ddcd writes times (microseconds, Z), so that they compare as strings.
const nowText = () => new Date().toISOString().replace('Z', '000Z');

// Checks bundle b against the trusted log key (a verifier key string; the bundle's own when
// empty). Returns {result, checks, doc, events, issuerName, profile (the issuer's logged profile,
// or null), movedTo ({peer, code, url} of a moved certificate, or null)}.
export async function checkBundle(b, trusted) {
  const checks = [];
  const cert = obj(b?.certificate), key = obj(b?.signing_key), doc = str(b?.document);
  const d = parse(doc);
  const docHash = await checkDocument(checks, doc, d, cert, key, b?.events);
  checkKeyEvents(checks, obj(d), key);
  const { status, events } = await checkEvents(checks, b?.events, docHash, obj(d));
  checks.push({ id: 'status_matches_events', ok: !!status && status === str(cert?.status), args: { status: status || '' } });
  checkKeyOrder(checks, key, b?.events);
  const signed = await checkCheckpoint(checks, b || {}, trusted);
  const inLog = await checkInclusions(checks, b || {}, signed);
  const witnessed = await checkWitnesses(checks, b || {}, signed);
  await checkChainAnchor(checks, b || {}, signed);
  const { profile, pending } = await checkProfile(checks, b || {}, obj(d), signed);
  const failed = checks.some((c) => c.ok === false);
  const now = nowText(), until = str(obj(d)?.validUntil), from = str(obj(d)?.validFrom);
  const result = failed ? 'invalid'
    : status !== 'active' ? status
    : Math.min(inLog, witnessed) <= 0 || pending ? 'not_yet_anchored'
    : until && now > until ? 'expired'
    : from && now < from ? 'not_yet_valid'
    : 'valid';
  const bi = obj(b?.issuer);
  const issuerName = bi && obj(d) && sameJson(bi.id, d.issuer) ? str(bi.name) : '';
  // where a moved certificate went: its last event, export_completed, names the destination's
  const last = events[events.length - 1];
  const movedTo = !failed && status === 'moved' && last?.type === 'export_completed'
    ? { peer: last.data?.peer ?? null, code: last.data?.code ?? null, url: last.data?.url ?? null } : null;
  return { result, checks, doc: obj(d), events, issuerName, profile, movedTo };
}
