// verify.js: checks a ddc.bundle/v1 proof bundle in the browser, as bundle_verdict does in C,
// reading only signed data: the document (JCS text, issuer's Ed25519 signature), the events'
// canonical texts (hash chain), their RFC 9162 inclusion proofs in the checkpoint's tree, the
// checkpoint's signature by the trusted log key and, when the bundle lists witnesses, their
// cosignatures, and the issuer's logged profile event. Each check is {id, ok: true | false |
// null (not yet / not checked), args}. An imported certificate's bundle (imported_from: another
// operator's ddcd exported it here) also has its source's bundle checked, under the source's log
// key that this log's imported event names, and the two tied (imported_source), as
// verify/imported.c does.
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
const MOVES = { mint: 'active', imported: 'active', freeze: 'frozen', unfreeze: 'active', revoke: 'revoked', burn: 'burned', transfer: null, approve: null,
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

// The events from their signed texts: hashes, chain, this certificate (ddcId), minted from this
// document (or, imported, importing it). Returns {status, events (parsed)}; status null when the
// chain fails.
async function checkEvents(checks, events, docHash, ddcId, imported) {
  let ok = Array.isArray(events) && events.length > 0, prev = '', status = null;
  const parsed = [];
  for (const [i, e] of (Array.isArray(events) ? events : []).entries()) {
    const c = canon(e);
    const text = str(obj(e)?.canonical);
    const hash = await hexSha256(text);
    ok = ok && !!c && sameJson(c.ddcId, ddcId) && (i === 0 ? c.prev === null : c.prev === prev) &&
      hash === str(e.event_hash);
    if (i === 0) ok = ok && c?.type === (imported ? 'imported' : 'mint') && str(c?.data?.certHash) === docHash;
    const type = str(c?.type);
    ok = ok && Object.hasOwn(MOVES, type) && (i === 0 || type !== 'imported');
    if (ok && MOVES[type]) status = MOVES[type];
    if (c) parsed.push(c);
    prev = hash;
  }
  checks.push({ id: 'event_chain', ok, args: { n: parsed.length, why: imported ? 'imported' : undefined } });
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
  const key = obj(b.imported_from) ? null : obj(b.signing_key); // an imported one's: in the source's log
  const events = (Array.isArray(b.events) ? b.events : []).map((e) => [canon(e)?.type || '?', e]);
  const items = key ? [['key_added', key.key_event], ...events] : events;
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

// The bundle's chain anchors, one per chain: chain_anchors, or the single chain_anchor of a
// bundle from before several chains (it has no name).
function chainAnchors(b) {
  if (b.chain_anchors !== undefined && b.chain_anchors !== null) return Array.isArray(b.chain_anchors) ? b.chain_anchors : [b.chain_anchors];
  return obj(b.chain_anchor) ? [b.chain_anchor] : [];
}

// Each chain anchor (one check per chain): its tree is a prefix of the checkpoint's (RFC 9162
// consistency proof). Whether the chain really holds that root is for a chain node to say (ddcd
// verify --rpc NAME=URL). Returns [{name, chain, block, size, ok}], the chains the proofs hold on.
async function checkChainAnchors(checks, b, signed) {
  const chains = [];
  if (!signed) return chains;
  for (const x of chainAnchors(b)) {
    const a = obj(x) || {};
    const root = unbase64(str(a.root)), size = Number.isInteger(a.tree_size) && a.tree_size > 0 ? BigInt(a.tree_size) : 0n;
    const proof = Array.isArray(a.consistency) ? a.consistency.map(unbase64) : [null];
    const ok = !!obj(x) && !!root && size > 0n && proof.every((p) => p) &&
      await verifyConsistency(size, signed.cp.size, proof, root, signed.cp.root);
    const args = { name: str(a.name), chain: String(a.chain_id), block: String(a.block_number), tx: str(a.tx_hash), size: String(a.tree_size) };
    checks.push({ id: 'chain_anchor', ok, args });
    chains.push({ ...args, ok });
  }
  return chains;
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

// The source's bundle as imported_from carries it, with the witnesses and quorum it states.
function sourceBundle(from) {
  const inner = obj(from?.bundle);
  if (!inner) return null;
  const keys = Array.isArray(from.witness_keys) ? from.witness_keys : [];
  const witnesses = keys.map((k) => (typeof k === 'string' ? k.split(' ').pop() : str(k?.vkey)));
  return { ...inner, witnesses, witness_quorum: Number.isInteger(from.quorum) ? from.quorum : Math.floor(witnesses.length / 2) + 1 };
}

// Why an imported certificate's bundle does not tie to its source's, or '' (verify/imported.c):
// the source's verdict sv has no failed check, is settled and exporting; its last event is the
// export_started to this log (dest) that the first event here (imported) names by hash and
// exportId, naming the source's key (src), certificate and this document.
async function importedFault(b, inner, sv, dest, src) {
  if (!sv || sv.checks.some((c) => c.ok === false)) return 'source_fails';
  if (sv.checks.some((c) => c.ok === null) || sv.result !== 'exporting') return 'source_not_exporting';
  const ie = Array.isArray(inner.events) ? inner.events : [];
  const last = canon(ie[ie.length - 1]), first = canon(b.events?.[0]);
  if (!last || !first || last.type !== 'export_started' || first.type !== 'imported') return 'not_export';
  const fd = obj(first.data) || {}, ld = obj(last.data) || {};
  if (str(fd.exportEventHash) !== await hexSha256(str(ie[ie.length - 1].canonical)) || !sameJson(fd.exportId, ld.exportId)) return 'other_export';
  if (!dest || str(ld.peerLogKey) !== dest) return 'other_destination';
  if (!src || str(fd.peerLogKey) !== src) return 'other_source_key';
  const d = obj(parse(str(b.document)));
  if (!d || str(b.document) !== str(inner.document)) return 'other_document';
  if (str(fd.certHash) !== await hexSha256(str(b.document)) || !sameJson(fd.sourceCode, d.code) || !sameJson(fd.sourceDdcId, d.ddcId) ||
    !sameJson(b.imported_from.code, d.code) || !sameJson(b.imported_from.ddc_id, d.ddcId)) return 'other_certificate';
  return '';
}

// An imported certificate's source: its bundle checked under its log key (the caller's pin, else
// imported_from.log_key), and the check imported_source. Returns {source (its verdict), from:
// {peer, code, ddc_id}} or null when the bundle is not imported.
async function checkImported(checks, b, trusted, peerKey, depth) {
  const from = obj(b.imported_from);
  if (!from) return null;
  const inner = sourceBundle(from), src = peerKey || str(from.log_key);
  const sv = inner && depth < 3 ? await checkBundle(inner, src, { depth: depth + 1 }) : null;
  const why = await importedFault(b, inner || {}, sv, trusted || str(b.log_key), src);
  const first = canon(b.events?.[0]), d = obj(parse(str(b.document)));
  const peer = str(first?.data?.peer);
  checks.push({ id: 'imported_source', ok: !why, args: { peer, code: str(d?.code), why: why || undefined } });
  return { source: sv, from: { peer, code: str(d?.code), ddc_id: d?.ddcId } };
}

// Checks bundle b against the trusted log key (a verifier key string; the bundle's own when
// empty); opts.peerKey: an imported certificate's source log key the caller pins. Returns {result,
// checks, doc, events, issuerName, profile (the issuer's logged profile, or null), chains (per
// chain anchor {name, chain, block, size, ok}), movedTo
// ({peer, code, url} of a moved certificate, or null), imported (null, or {source: the source
// bundle's verdict, from: {peer, code, ddc_id}})}.
export async function checkBundle(b, trusted, opts = {}) {
  const checks = [], from = obj(b?.imported_from), inner = obj(from?.bundle);
  const cert = obj(b?.certificate), doc = str(b?.document);
  const key = obj(from ? inner?.signing_key : b?.signing_key);
  const srcCert = obj(inner?.certificate);
  // the document was signed at the source: it names the source's code, ddc_id, issuer and key
  const named = from && cert ? { ...cert, ...Object.fromEntries(['code', 'ddc_id', 'key_id', 'issuer_id', 'uri'].map((k) => [k, srcCert?.[k] ?? null])) } : cert;
  const d = parse(doc);
  const docHash = await checkDocument(checks, doc, d, named, key, from ? inner?.events : b?.events);
  checkKeyEvents(checks, obj(d), key);
  const { status, events } = await checkEvents(checks, b?.events, docHash, from ? cert?.ddc_id : obj(d)?.ddcId, !!from);
  checks.push({ id: 'status_matches_events', ok: !!status && status === str(cert?.status), args: { status: status || '' } });
  const imported = await checkImported(checks, b || {}, trusted, opts.peerKey, opts.depth || 0);
  if (!from) checkKeyOrder(checks, key, b?.events);
  const signed = await checkCheckpoint(checks, b || {}, trusted);
  const inLog = await checkInclusions(checks, b || {}, signed);
  const witnessed = await checkWitnesses(checks, b || {}, signed);
  const chains = await checkChainAnchors(checks, b || {}, signed);
  const { profile, pending } = from ? { profile: imported.source?.profile || null, pending: false }
    : await checkProfile(checks, b || {}, obj(d), signed);
  const failed = checks.some((c) => c.ok === false);
  const now = nowText(), until = str(obj(d)?.validUntil), validFrom = str(obj(d)?.validFrom);
  const result = failed ? 'invalid'
    : status !== 'active' ? status
    : Math.min(inLog, witnessed) <= 0 || pending ? 'not_yet_anchored'
    : until && now > until ? 'expired'
    : validFrom && now < validFrom ? 'not_yet_valid'
    : 'valid';
  const bi = obj(b?.issuer);
  const issuerName = imported ? str(imported.source?.issuerName) : bi && obj(d) && sameJson(bi.id, d.issuer) ? str(bi.name) : '';
  // where a moved certificate went: its last event, export_completed, names the destination's
  const last = events[events.length - 1];
  const movedTo = !failed && status === 'moved' && last?.type === 'export_completed'
    ? { peer: last.data?.peer ?? null, code: last.data?.code ?? null, url: last.data?.url ?? null } : null;
  return { result, checks, doc: obj(d), events, issuerName, profile, chains, movedTo, imported };
}
