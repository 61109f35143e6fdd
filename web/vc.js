// vc.js: checks a W3C Verifiable Credential of a ddcd certificate in the browser, as
// service/verify/vc.c does in C: the eddsa-jcs-2022 proof (JCS + SHA-256 + Ed25519 by WebCrypto)
// against a Multikey of the issuer's did:web DID document, the status list bits (each list's
// own proof checked the same way; GZIP inflated by DecompressionStream), and through the proof
// bundle the credential's evidence names (checked by verify.js): the key valid at issuance by
// the log, the document's digest and its events in the log, and the anchor. Only this page's
// origin is reachable (the pages' CSP: connect-src 'self'), so a DID document, list or bundle
// elsewhere is reported as out of reach. Checks are {id, ok: true | false | null, args}.
import { jcs } from './jcs.js';
import { ed25519Verify, sha256, toHex, unbase64url } from './note.js';
import { checkBundle } from './verify.js';

const enc = new TextEncoder();
const str = (v) => (typeof v === 'string' ? v : '');
const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : null);
const LIST_MAX = 16 * 1024 * 1024; // bytes a status list may inflate to (as VC_LIST_MAX)
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// base58btc (Bitcoin alphabet) to bytes; null when s is not base58.
export function base58btc(s) {
  if (typeof s !== 'string' || !s) return null;
  let n = 0n;
  for (const ch of s) {
    const d = B58.indexOf(ch);
    if (d < 0) return null;
    n = n * 58n + BigInt(d);
  }
  const out = [];
  for (; n > 0n; n >>= 8n) out.unshift(Number(n & 255n));
  for (const ch of s) {
    if (ch !== '1') break;
    out.unshift(0);
  }
  return Uint8Array.from(out);
}

// A Multikey Ed25519 public key ("z" + base58btc(0xed 0x01 || key)) to its 32 bytes, or null.
export function multikey(mk) {
  const b = str(mk)[0] === 'z' ? base58btc(mk.slice(1)) : null;
  return b && b.length === 34 && b[0] === 0xed && b[1] === 0x01 ? b.slice(2) : null;
}

// The URL of a did:web's document; here (a Location) serves it over its own scheme when the DID
// names this host, as ddcd's own issuers do.
export function didWebUrl(did, here) {
  const parts = str(did).split(':');
  if (parts.length < 3 || parts[0] !== 'did' || parts[1] !== 'web') return null;
  const host = decodeURIComponent(parts[2]);
  const path = parts.length > 3 ? `/${parts.slice(3).map(decodeURIComponent).join('/')}/did.json` : '/.well-known/did.json';
  return host === here.host ? `${here.origin}${path}` : `https://${host}${path}`;
}

const typed = (o, t) => [obj(o)?.type].flat().includes(t);
const issuerOf = (cred) => (typeof cred?.issuer === 'string' ? cred.issuer : str(obj(cred?.issuer)?.id));

// Whether the proof's @context is the credential's or a prefix of it (vc-di-eddsa 3.3.2).
function contextMatches(docCtx, proofCtx) {
  if (proofCtx === undefined) return true;
  const a = Array.isArray(docCtx) ? docCtx : [docCtx], b = Array.isArray(proofCtx) ? proofCtx : [proofCtx];
  return b.length <= a.length && b.every((x, i) => jcs(x) === jcs(a[i]));
}

// The key of verification method vm in the issuer's DID document, when listed as an assertion
// method; null otherwise.
function keyOf(doc, issuer, vm) {
  if (!issuer || !vm.startsWith(`${issuer}#`) || str(doc?.id) !== issuer) return null;
  if (!Array.isArray(doc.assertionMethod) || !doc.assertionMethod.includes(vm)) return null;
  const m = (Array.isArray(doc.verificationMethod) ? doc.verificationMethod : []).find((x) => obj(x) && x.id === vm);
  return m && m.type === 'Multikey' ? multikey(m.publicKeyMultibase) : null;
}

// Verifies an eddsa-jcs-2022 proof (a credential's or a status list's) against the DID document:
// {ok, key, why}.
export async function verifyProof(cred, doc) {
  const { proof, ...unsecured } = obj(cred) || {};
  if (!obj(proof) || proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-jcs-2022')
    return { ok: false, why: 'suite' };
  const { proofValue, ...config } = proof;
  const vm = str(proof.verificationMethod), key = keyOf(doc, issuerOf(cred), vm);
  if (!key) return { ok: false, why: 'key', vm };
  const sig = str(proofValue)[0] === 'z' ? base58btc(proofValue.slice(1)) : null;
  if (proof.proofPurpose !== 'assertionMethod' || !contextMatches(unsecured['@context'], config['@context']) || !sig)
    return { ok: false, why: 'form', vm, key };
  let data;
  try {
    data = new Uint8Array(64);
    data.set(await sha256(enc.encode(jcs(config))));
    data.set(await sha256(enc.encode(jcs(unsecured))), 32);
  } catch {
    return { ok: false, why: 'form', vm, key };
  }
  const ok = await ed25519Verify(key, sig, data);
  return { ok, why: ok ? '' : 'signature', vm, key };
}

// Inflates a GZIP file with the browser's DecompressionStream, at most LIST_MAX bytes; null when
// it is not one or is larger.
async function gunzip(bytes) {
  try {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    const parts = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
      if (n > LIST_MAX) {
        await reader.cancel();
        return null;
      }
      parts.push(value);
    }
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  } catch {
    return null;
  }
}

// The bit at index of a BitstringStatusListCredential (first bit: the first byte's highest): 0
// or 1, or null when the list is not multibase base64url GZIP or is too short.
export async function statusBit(list, index) {
  const e = str(obj(list?.credentialSubject)?.encodedList);
  const raw = e[0] === 'u' ? unbase64url(e.slice(1)) : null;
  const bits = raw ? await gunzip(raw) : null;
  if (!bits || !Number.isInteger(index) || index < 0 || index >= bits.length * 8) return null;
  return (bits[index >> 3] >> (7 - (index & 7))) & 1;
}

// Fetches JSON from this page's origin only: {status, json} (status 0: out of reach).
async function getJson(url) {
  let u;
  try { u = new URL(url, location.href); } catch { return { status: 0 }; }
  if (u.origin !== location.origin) return { status: 0 };
  const r = await fetch(u, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  let json = null;
  try { json = r.ok ? await r.json() : null; } catch { json = null; }
  return { status: r.status, json };
}

// Whether list (as served) is the publication the bundle names as logged for its purpose and
// number: 'yes' (the SHA-256 of its JCS text is the one its status_list_published event holds),
// 'no' (another, e.g. newer than the log's), or 'none' (the bundle names none).
async function listLogged(list, purpose, bundle) {
  const m = /\/(\d+)$/.exec(str(list.id));
  const named = (Array.isArray(bundle?.status_lists) ? bundle.status_lists : [])
    .find((x) => obj(x) && x.purpose === purpose && m && x.list === Number(m[1]));
  let logged = '';
  try { logged = str(JSON.parse(str(named?.event?.canonical)).data?.sha256); } catch { logged = ''; }
  if (!logged) return 'none';
  return toHex(await sha256(enc.encode(jcs(list)))) === logged ? 'yes' : 'no';
}

// The status entries' bits from their lists: {bits: [{purpose, bit, logged}], why} with why set
// when a list could not be used ('unpublished': not served; 'bad': its proof, purpose or bits
// fail).
async function readStatus(cred, doc, bundle) {
  const cs = cred.credentialStatus;
  const entries = Array.isArray(cs) ? cs : obj(cs) ? [cs] : [];
  if (!entries.length) return { bits: [], why: 'none' };
  const bits = [];
  for (const e of entries) {
    const r = await getJson(str(e?.statusListCredential));
    if (r.status !== 200 || !obj(r.json)) return { bits, why: 'unpublished' };
    const l = r.json, purpose = str(e.statusPurpose);
    const index = /^\d+$/.test(str(e.statusListIndex)) ? Number(e.statusListIndex) : -1;
    const signed = await verifyProof(l, doc);
    const bit = signed.ok && str(l.id) === str(e.statusListCredential) &&
      str(obj(l.credentialSubject)?.statusPurpose) === purpose ? await statusBit(l, index) : null;
    if (bit === null) return { bits, why: 'bad', purpose };
    bits.push({ purpose, bit, logged: await listLogged(l, purpose, bundle) });
  }
  return { bits, why: '' };
}

// The evidence's DdcDocument digest: "u" + base64url(0x12 0x20 || SHA-256(document)).
async function digestOf(text) {
  const mh = new Uint8Array(34);
  mh.set([0x12, 0x20]);
  mh.set(await sha256(enc.encode(text)), 2);
  return `u${btoa(String.fromCharCode(...mh)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

const bundleOk = (v, id) => v.checks.filter((c) => c.id === id).every((c) => c.ok !== false) && v.checks.some((c) => c.id === id);

// key_in_log, document_in_log and anchored from the bundle and its verdict.
async function logChecks(checks, cred, key, bundle, v) {
  const bk = unbase64url(str(obj(bundle.signing_key)?.public_key));
  const same = !!key && !!bk && bk.length === 32 && bk.every((x, i) => x === key[i]);
  const keyOk = same && bundleOk(v, 'key_valid_at_issue') && bundleOk(v, 'key_events_match') && bundleOk(v, 'issuer_signature');
  checks.push({ id: 'vc_key_in_log', ok: keyOk, args: { why: same ? 'log' : 'other' } });
  const digest = await digestOf(str(bundle.document));
  const ev = Array.isArray(cred.evidence) ? cred.evidence : [cred.evidence];
  const code = str(obj(cred.credentialSubject)?.code);
  const docOk = ev.some((e) => typed(e, 'DdcDocument') && str(obj(e)?.digestMultibase) === digest) && !!code && code === str(v.doc?.code) &&
    bundleOk(v, 'document_hash') && bundleOk(v, 'event_chain') && v.checks.every((c) => c.id !== 'inclusion' || c.ok !== false);
  checks.push({ id: 'vc_document_in_log', ok: docOk });
  const anchored = v.result !== 'not_yet_anchored' && v.checks.some((c) => c.id === 'checkpoint_signature' && c.ok === true);
  checks.push({ id: 'vc_anchored', ok: anchored ? true : null });
}

// The status check: from the lists' bits when every list is served, else the log's events.
async function statusCheck(checks, cred, doc, v, bundle) {
  const s = await readStatus(cred, doc, bundle);
  if (!s.why) {
    const set = s.bits.filter((b) => b.bit === 1).map((b) => b.purpose);
    const logged = s.bits.every((b) => b.logged === 'yes') ? 'yes' : s.bits.some((b) => b.logged === 'no') ? 'no' : 'none';
    checks.push({ id: 'vc_status', ok: true, args: { why: set.length ? 'set' : 'clear', purposes: set.join(', '), logged } });
    return set.includes('revocation') ? 'revoked' : set.length ? 'frozen' : null;
  }
  if (s.why === 'bad') {
    checks.push({ id: 'vc_status', ok: false, args: { why: 'bad', purposes: s.purpose } });
    return null;
  }
  const ok = v ? v.checks.find((c) => c.id === 'status_matches_events')?.ok === true : null;
  checks.push({ id: 'vc_status', ok, args: { why: v ? 'events' : 'none' } });
  return null;
}

// Checks a credential (parsed JSON); trusted: the log's verifier key. Returns {result, checks,
// code, issuerName, bundleVerdict}. result: invalid when a check failed, revoked or frozen by
// the status bits, else the bundle's result (valid, frozen, not_yet_anchored ...).
export async function checkCredential(cred, trusted) {
  const checks = [];
  const issuer = issuerOf(cred), docUrl = didWebUrl(issuer, location);
  const d = docUrl ? await getJson(docUrl) : { status: 0 };
  const doc = d.status === 200 ? d.json : null;
  const proof = doc ? await verifyProof(cred, doc) : { ok: false, why: d.status ? 'did_missing' : 'did_unreachable' };
  checks.push({ id: 'vc_proof', ok: proof.ok, args: { why: proof.why, vm: str(proof.vm) || str(cred?.proof?.verificationMethod) } });
  const ev = (Array.isArray(cred.evidence) ? cred.evidence : [cred.evidence]).find((e) => typed(e, 'DdcProofBundle'));
  const b = ev ? await getJson(str(ev.id)) : { status: 0 };
  let v = null;
  if (b.status === 200 && obj(b.json)) {
    v = await checkBundle(b.json, trusted);
    await logChecks(checks, cred, proof.key, b.json, v);
  } else {
    checks.push({ id: 'vc_bundle', ok: false, args: { status: b.status } });
  }
  const status = doc ? await statusCheck(checks, cred, doc, v, b.json) : null;
  const failed = checks.some((c) => c.ok === false);
  const result = failed ? 'invalid' : status || (v ? v.result : 'invalid');
  return {
    result, checks, code: str(obj(cred.credentialSubject)?.code),
    issuerName: str(obj(cred.issuer)?.name), bundleVerdict: v,
  };
}
