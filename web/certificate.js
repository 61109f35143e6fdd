// certificate.js: the certificate page /c/{code}: fetches the proof bundle and the log key from
// ddcd (/.well-known/ddc-log, or the key this browser pinned), checks the bundle here
// (verify.js) and shows the status, the signed fields, the issuer's domain as its logged profile
// states it, the history, one line per check, the log key checked against with its pin, and
// the links to the bundle and the W3C credential; for an edition (DDC-1155) its class and, given
// ?holder=<account id>, that holder's units as the events in the log show them. A certificate
// moved to another operator says where it went (with the link to its page there), one being moved
// says to whom; one imported from another operator shows where it came from and the checks of
// its source's bundle in the source's log. The page's code comes from its own address.
import { applyI18n, formatTime, t } from './i18n.js';
import { keyShape, logKey, pinKey } from './logkey.js';
import { ed25519Supported } from './note.js';
import { checkBundle } from './verify.js';

const $ = (id) => document.getElementById(id);
const started = performance.now();

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function setStatus(kind, word, sub) {
  $('status').className = `status status-${kind}`;
  $('status-icon').textContent = { valid: '✓', invalid: '✗', revoked: '✗', burned: '✗', not_found: '?', moved: '→', exporting: '→' }[kind] || '!';
  $('status-word').textContent = word;
  $('status-sub').textContent = sub;
  document.body.dataset.result = kind;
}

const lastEvent = (events, type) => [...events].reverse().find((e) => e.type === type);

function showResult(v, code) {
  const d = v.doc || {};
  const issuer = v.issuerName ? `${v.issuerName} (${t('issuer_account', { id: d.issuer })})` : t('issuer_account', { id: d.issuer });
  const ev = (type) => lastEvent(v.events, type) || {};
  const subs = {
    valid: () => t('status_valid_sub', { issuer, n: v.checks.length }),
    revoked: () => t('status_revoked_sub', { date: formatTime(ev('revoke').time), reason: ev('revoke').data?.reason || '—' }),
    frozen: () => t('status_frozen_sub', { date: formatTime(ev('freeze').time) }),
    burned: () => t('status_burned_sub', { date: formatTime(ev('burn').time) }),
    expired: () => t('status_expired_sub', { date: formatTime(d.validUntil) }),
    not_yet_valid: () => t('status_not_yet_valid_sub', { date: formatTime(d.validFrom) }),
    not_yet_anchored: () => t('status_not_yet_anchored_sub'),
    invalid: () => t('status_invalid_sub'),
    moved: () => t('status_moved_sub', { peer: ev('export_completed').data?.peer || '—', date: formatTime(ev('export_completed').time), code: ev('export_completed').data?.code || '—' }),
    exporting: () => t('status_exporting_sub', { peer: ev('export_started').data?.peer || '—', date: formatTime(ev('export_started').time) }),
  };
  setStatus(v.result, t(`status_${v.result}`), (subs[v.result] || (() => ''))());
  if (v.result === 'moved') showMovedLink(ev('export_completed').data || {});
  if (v.result === 'invalid' || !v.doc) return;
  showProvenance(v.imported);
  showFields(d, issuer, code);
  showDomain(v.profile);
  showHistory(v.events);
}

// Where a moved certificate lives now: the link its logged export_completed event names (an
// http(s) address only).
function showMovedLink(data) {
  let url = null;
  try { url = new URL(String(data.url || '')); } catch { url = null; }
  if (!url || !/^https?:$/.test(url.protocol)) return;
  const a = el('a', '', t('moved_link', { peer: data.peer || url.host }));
  a.href = url.href;
  a.id = 'moved-link';
  a.rel = 'noreferrer';
  $('status-sub').append(' ', a);
}

// An imported certificate's source, as the signed texts name it, and that both logs were checked.
function showProvenance(imported) {
  if (!imported) return;
  const f = imported.from;
  $('provenance').textContent = t('provenance', { peer: f.peer, code: f.code, ddc_id: f.ddc_id });
  $('provenance-logs').textContent = t('provenance_logs', { peer: f.peer });
  $('provenance').dataset.peer = f.peer;
  $('provenance').dataset.code = f.code;
  $('provenance-box').hidden = false;
}

// The issuer's domain, only as the logged profile event states it (a check ddcd made and logged).
function showDomain(profile) {
  const p = $('issuer-domain');
  const checked = profile && profile.domain && profile.domainCheckedAt;
  p.textContent = checked ? t('domain_verified', { domain: profile.domain, time: formatTime(profile.domainCheckedAt) }) : t('domain_none');
  p.className = checked ? 'domain domain-ok' : 'domain';
  p.dataset.domain = checked ? profile.domain : '';
  p.hidden = false;
}

const KIND_FIELDS = {
  copyright: ['title', 'authors', 'registration_no', 'work_type', 'created_on'],
  diploma: ['student_name', 'student_id', 'degree', 'major', 'institution', 'conferred_on'],
  generic: ['title'],
};

function addField(dl, label, value, cls) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', '', label), el('dd', cls || '', value));
}

function metaText(v) {
  if (Array.isArray(v)) return v.map(metaText).join(t('list_sep'));
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

// The signed document's fields: the kind's own first, then any other metadata as it is named.
function showFields(d, issuer, code) {
  const dl = $('fields');
  const meta = d.metadata && typeof d.metadata === 'object' ? d.metadata : {};
  const known = KIND_FIELDS[d.kind] || [];
  addField(dl, t('f_kind'), t(`kind_${d.kind}`) === `kind_${d.kind}` ? d.kind : t(`kind_${d.kind}`));
  for (const k of known)
    addField(dl, t(`f_${k}`), /_on$/.test(k) ? formatTime(meta[k]) : meta[k] === undefined ? undefined : metaText(meta[k]));
  for (const [k, v] of Object.entries(meta)) if (!known.includes(k)) addField(dl, k, metaText(v));
  addField(dl, t('f_issuer'), issuer);
  addField(dl, t('f_issued_at'), formatTime(d.issuedAt));
  addField(dl, t('f_valid_from'), formatTime(d.validFrom));
  addField(dl, t('f_valid_until'), formatTime(d.validUntil));
  addField(dl, t('f_content_hash'), d.contentHash, 'mono');
  addField(dl, t('f_uri'), d.uri, 'mono');
  addField(dl, t('f_code'), code, 'mono');
  $('details').hidden = false;
}

// An edition's supply, burned units and balances from the bundle's events that are in the log
// (up to the first one not yet there), read from their signed texts only.
function editionView(bundle) {
  const bal = new Map();
  let supply = 0, burned = 0;
  const add = (a, n) => bal.set(a, (bal.get(a) || 0) + n);
  for (const e of Array.isArray(bundle?.events) ? bundle.events : []) {
    if (!e?.inclusion || typeof e.leaf_index !== 'number') break;
    let c;
    try { c = JSON.parse(e.canonical); } catch { break; }
    const d = c.data || {};
    if (c.type === 'mint') { supply += d.supply || 0; add(d.owner, d.supply || 0); }
    else if (c.type === 'mint_more') { supply += d.amount; add(d.to, d.amount); }
    else if (c.type === 'edition_transfer') { add(d.from, -d.amount); add(d.to, d.amount); }
    else if (c.type === 'edition_burn') { burned += d.amount; add(d.from, -d.amount); }
  }
  return { supply, burned, bal };
}

function showEdition(d, bundle) {
  if (d.standard !== 'ddc-1155') return;
  const dl = $('fields'), v = editionView(bundle);
  addField(dl, t('f_standard'), 'DDC-1155');
  addField(dl, t('f_supply'), String(v.supply));
  addField(dl, t('f_burned'), String(v.burned));
  const holder = Number(new URLSearchParams(location.search).get('holder'));
  if (Number.isSafeInteger(holder) && holder > 0)
    addField(dl, t('f_holder_balance', { id: holder }), String(v.bal.get(holder) || 0));
}

function eventText(e) {
  const data = e.data || {};
  if (e.type === 'approve' && data.operator === null) return t('ev_approve_none');
  return t(`ev_${e.type}`, { ...data, reason: data.reason || '—' });
}

function showHistory(events) {
  const ol = $('timeline');
  for (const e of events) {
    const li = el('li', `ev ev-${e.type}`);
    const time = el('time', 'muted small', formatTime(e.time));
    time.dateTime = e.time;
    li.append(time, el('span', '', eventText(e)));
    ol.append(li);
  }
  $('history').hidden = false;
}

// A check's text key: a chain anchor with a chain name has its own (one line per chain).
const checkKey = (c) => (c.id === 'chain_anchor' && c.args?.name ? 'chain_anchor_named' : c.id);

function checkLabel(c) {
  const a = { ...c.args };
  if (c.id === 'inclusion') a.type = t(`t_${a.type}`) === `t_${a.type}` ? a.type : t(`t_${a.type}`);
  return t(`c_${checkKey(c)}`, a);
}

function checkDetail(c) {
  const state = c.ok === true ? 'ok' : c.ok === false ? 'fail' : c.id === 'inclusion' && c.args.why === 'no_checkpoint' ? 'skip' : 'wait';
  const key = `c_${checkKey(c)}_${state}`, why = `${key}_${c.args?.why}`;
  return t(why) !== why ? t(why, c.args) : t(key, c.args || {});
}

// Which chains hold the certificate: those whose anchor's consistency proof checked out here.
function showChains(chains) {
  if (!chains.length) return;
  const held = chains.filter((c) => c.ok);
  const names = held.map((c) => c.name || t('c_chain_anchor', { chain: c.chain })).join(t('list_sep'));
  $('chains').textContent = held.length ? t('chains_held', { names, n: held.length, m: chains.length }) : t('chains_none');
  $('chains').dataset.held = held.map((c) => c.name || c.chain).join(',');
  $('chains').hidden = false;
}

function showChecks(checks, key, imported) {
  fillChecks($('checklist'), checks);
  if (imported?.source) {
    $('source-checks-h').textContent = t('h_source_checks', { peer: imported.from.peer });
    fillChecks($('source-checklist'), imported.source.checks);
    $('source-checks').hidden = false;
  }
  showLogKey(key);
  $('checks').hidden = false;
}

function fillChecks(ul, checks) {
  for (const c of checks) {
    const state = c.ok === true ? 'ok' : c.ok === false ? 'fail' : 'wait';
    const li = el('li', `check check-${state}`);
    li.dataset.check = c.id;
    const mark = el('span', 'mark', { ok: '✓', fail: '✗', wait: '…' }[state]);
    mark.setAttribute('role', 'img');
    mark.setAttribute('aria-label', t(`mark_${state}`));
    const body = el('div');
    body.append(el('strong', '', checkLabel(c)), el('span', 'detail', checkDetail(c)));
    li.append(mark, body);
    ul.append(li);
  }
}

// The key checked against and, when one is pinned, whether the served key is the pinned one.
function showLogKey(key) {
  $('logkey').replaceChildren(t(key.pinned ? 'log_key_pinned' : 'log_key_served'), ' ', el('code', 'mono', key.trusted));
  const state = key.match === null ? 'none' : key.match ? 'match' : 'mismatch';
  $('pin-state').className = `pin-state pin-${state}`;
  $('pin-state').dataset.state = state;
  $('pin-state').textContent = t(`pin_${state}`, { served: key.served });
  $('pin').value = key.pinned;
}

function setupPin() {
  $('pin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const k = $('pin').value.trim();
    if (!keyShape(k)) {
      $('pin-error').textContent = t('pin_invalid');
      $('pin').setAttribute('aria-invalid', 'true');
      $('pin').focus();
      return;
    }
    if (!pinKey(k)) $('pin-error').textContent = t('pin_unavailable');
    else location.reload();
  });
  $('pin-forget').addEventListener('click', () => { pinKey(''); location.reload(); });
  $('pin').addEventListener('input', () => { $('pin-error').textContent = ''; $('pin').removeAttribute('aria-invalid'); });
}

async function fetchText(url) {
  const r = await fetch(url, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  return { status: r.status, text: r.ok ? await r.text() : '' };
}

async function main() {
  applyI18n(document);
  const code = decodeURIComponent(location.pathname.split('/')[2] || '');
  if (code !== code.toLowerCase()) {
    location.replace(`/c/${encodeURIComponent(code.toLowerCase())}${location.search}`);
    return;
  }
  const [bundle, key] = await Promise.all([fetchText(`/v1/verify/${encodeURIComponent(code)}/bundle`), logKey()]);
  if (!(await ed25519Supported())) {
    setStatus('error', t('status_error'), t('vc_unsupported_sub'));
  } else if (bundle.status === 404) {
    setStatus('not_found', t('status_not_found'), t('status_not_found_sub', { code }));
  } else if (bundle.status !== 200 || key.status !== 200) {
    const status = bundle.status !== 200 ? bundle.status : key.status;
    setStatus('error', t('status_error'), status === 429 ? t('status_rate_limited_sub') : t('status_error_sub', { status }));
  } else {
    let parsed = null;
    try { parsed = JSON.parse(bundle.text); } catch { parsed = null; }
    const v = await checkBundle(parsed || {}, key.trusted);
    showResult(v, code);
    if (v.result !== 'invalid' && v.doc) showEdition(v.doc, parsed);
    showChecks(v.checks, key, v.imported);
    showChains(v.chains);
    const url = `${location.origin}/c/${code}`;
    $('qr').src = `/c/${encodeURIComponent(code)}/qr.svg`;
    $('qr-caption').textContent = t('qr_caption', { url });
    $('bundle-link').href = `/v1/verify/${encodeURIComponent(code)}/bundle`;
    $('bundle-link').setAttribute('download', `${code}.bundle.json`);
    $('vc-link').href = `/v1/verify/${encodeURIComponent(code)}/vc`;
    $('vc-link').setAttribute('download', `${code}.vc.json`);
    $('printed').textContent = t('printed_on', { date: formatTime(new Date().toISOString()) });
    $('actions').hidden = false;
  }
  const ms = Math.round(performance.now() - started);
  if (!$('checks').hidden) $('done').textContent = t('checks_done', { ms });
  document.body.dataset.done = String(ms);
}

$('print').addEventListener('click', () => window.print());
setupPin();
main().catch((e) => {
  setStatus('error', t('status_error'), String(e && e.message ? e.message : e));
  document.body.dataset.done = String(Math.round(performance.now() - started));
});
