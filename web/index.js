// index.js: the start page: a certificate code (or a pasted link holding one) leads to its page;
// a dropped or chosen file that is a W3C Verifiable Credential (JSON with @context) is checked
// here (vc.js) and its verdict shown with the named checks, and so is a proof bundle (JSON of
// type ddc.bundle/v1, verify.js; an imported certificate's with its source's checks); any other
// file is hashed here with WebCrypto SHA-256 and only the hash is looked up (GET
// /v1/verify?content_hash=).
import { applyI18n, formatTime, t } from './i18n.js';
import { logKey } from './logkey.js';
import { ed25519Supported } from './note.js';
import { checkCredential } from './vc.js';
import { checkBundle } from './verify.js';

const $ = (id) => document.getElementById(id);
const CODE = /^[a-z2-7]{26}$/;

// The code in what was typed: a bare code (any case, spaces and dashes ignored) or a link whose
// path is /c/{code} or /v1/verify/{code}. null when there is none.
export function codeOf(input) {
  const s = input.trim();
  const bare = s.replace(/[\s-]/g, '').toLowerCase();
  if (CODE.test(bare)) return bare;
  try {
    const u = new URL(s);
    const m = /\/(?:c|v1\/verify)\/([A-Za-z2-7]{26})(?:\/|$)/.exec(u.pathname);
    return m ? m[1].toLowerCase() : null;
  } catch {
    return null;
  }
}

function onSubmit(ev) {
  ev.preventDefault();
  const code = codeOf($('code').value);
  if (!code) {
    $('code-error').textContent = t('code_invalid');
    $('code').setAttribute('aria-invalid', 'true');
    $('code').focus();
    return;
  }
  location.assign(`/c/${code}`);
}

const hex = (buf) => Array.from(new Uint8Array(buf), (x) => x.toString(16).padStart(2, '0')).join('');

function say(...nodes) {
  $('file-result').replaceChildren(...nodes);
}

function p(text, cls) {
  const e = document.createElement('p');
  e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// The file as a JSON object, or null.
async function jsonIn(file) {
  if (file.size > 4 * 1024 * 1024) return null;
  const text = new TextDecoder().decode(await file.arrayBuffer());
  if (!/^\s*\{/.test(text)) return null;
  try {
    const j = JSON.parse(text);
    return j && typeof j === 'object' && !Array.isArray(j) ? j : null;
  } catch {
    return null;
  }
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

const MARKS = { valid: '✓', invalid: '✗', revoked: '✗' };

// The verdict box: the status word as a heading, a line under it.
function verdictBox(result, word, sub) {
  const box = el('div', `status status-${result}`);
  const icon = el('span', 'status-icon', MARKS[result] || '!');
  icon.setAttribute('aria-hidden', 'true');
  const body = el('div');
  body.append(el('h3', 'status-word', word), el('p', 'status-sub', sub));
  box.append(icon, body);
  return box;
}

// The text by key, or by fallback when there is none by key.
function tOr(key, fallback, args) {
  const s = t(key, args);
  return s === key ? t(fallback, args) : s;
}

// One named check: its mark, its name, and what it found (by its reason when it has one).
function checkItem(c) {
  const state = c.ok === true ? 'ok' : c.ok === false ? 'fail' : 'wait';
  const li = el('li', `check check-${state}`);
  li.dataset.check = c.id;
  const mark = el('span', 'mark', { ok: '✓', fail: '✗', wait: '…' }[state]);
  mark.setAttribute('role', 'img');
  mark.setAttribute('aria-label', t(`mark_${state}`));
  const a = c.args || {}, key = `c_${c.id}_${state}`;
  const logged = a.logged ? ` ${t(`vc_list_logged_${a.logged}`)}` : '';
  const body = el('div');
  body.append(el('strong', '', t(`c_${c.id}`, a)), el('span', 'detail', tOr(`${key}_${a.why}`, key, a) + logged));
  li.append(mark, body);
  return li;
}

// Checks a credential here and shows its verdict; without Ed25519 in WebCrypto, says so and
// shows the service's own verdict, marked as the service's.
async function checkVc(cred, name) {
  say(p(t('vc_checking', { name })));
  const box = $('file-result');
  if (!(await ed25519Supported())) {
    const r = await fetch('/v1/verify', { method: 'POST', body: JSON.stringify(cred), headers: { 'Content-Type': 'application/json' }, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    const v = r.ok ? await r.json() : { result: 'error' };
    box.dataset.vcResult = 'unsupported';
    say(verdictBox('error', t('vc_unsupported'), t('vc_unsupported_sub')), p(t('vc_server_verdict', { result: t(`status_${v.result}`) }), 'notice'));
    return;
  }
  const key = await logKey();
  const v = await checkCredential(cred, key.trusted);
  const ul = el('ul', 'checklist');
  for (const c of v.checks) ul.append(checkItem(c));
  const issuer = v.issuerName || t('vc_issuer_unknown');
  const sub = v.result === 'invalid' ? t('vc_invalid_sub') : t('vc_sub', { issuer, code: v.code });
  const parts = [verdictBox(v.result, t(`status_${v.result}`), sub), el('h3', '', t('vc_checks_heading')), ul];
  if (v.result !== 'invalid' && /^[a-z2-7]{26}$/.test(v.code)) {
    const a = el('a', '', t('vc_open_page'));
    a.href = `/c/${v.code}`;
    const lp = el('p');
    lp.append(a);
    parts.push(lp);
  }
  parts.push(p(`${t(key.pinned ? 'log_key_pinned' : 'log_key_served')} ${key.trusted}`, 'muted small mono'));
  box.dataset.vcResult = v.result;
  say(...parts);
}

// Checks a proof bundle here against the log key this browser trusts; an imported certificate's
// also in its source's log.
async function checkDroppedBundle(b, name) {
  say(p(t('bundle_checking', { name })));
  const box = $('file-result');
  if (!(await ed25519Supported())) return say(verdictBox('error', t('vc_unsupported'), t('vc_unsupported_sub')));
  const key = await logKey();
  const v = await checkBundle(b, key.trusted);
  const ul = el('ul', 'checklist');
  for (const c of v.checks) ul.append(checkItem(c));
  const code = typeof b.certificate?.code === 'string' ? b.certificate.code : '';
  const sub = v.result === 'invalid' ? t('status_invalid_sub') : t('bundle_sub', { code });
  const parts = [verdictBox(v.result, t(`status_${v.result}`), sub), el('h3', '', t('vc_checks_heading')), ul];
  if (v.imported?.source) {
    const sl = el('ul', 'checklist');
    for (const c of v.imported.source.checks) sl.append(checkItem(c));
    parts.push(el('h3', '', t('h_source_checks', { peer: v.imported.from.peer })), sl);
  }
  parts.push(p(`${t(key.pinned ? 'log_key_pinned' : 'log_key_served')} ${key.trusted}`, 'muted small mono'));
  box.dataset.bundleResult = v.result;
  say(...parts);
}

async function checkFile(file) {
  if (!file) return;
  delete $('file-result').dataset.vcResult;
  delete $('file-result').dataset.bundleResult;
  const j = await jsonIn(file);
  if (j && '@context' in j) return checkVc(j, file.name);
  if (j && j.type === 'ddc.bundle/v1') return checkDroppedBundle(j, file.name);
  say(p(t('hashing', { name: file.name })));
  const hash = hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  const r = await fetch(`/v1/verify?content_hash=${hash}`, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  const hashLine = p(t('file_hash', { hash }), 'muted small mono');
  if (r.status === 429) return say(p(t('rate_limited'), 'error'), hashLine);
  if (!r.ok) return say(p(t('lookup_failed', { status: r.status }), 'error'), hashLine);
  const items = (await r.json()).items || [];
  if (!items.length) return say(p(t('file_no_match', { name: file.name }), 'nomatch'), hashLine);
  const ul = document.createElement('ul');
  ul.className = 'matches';
  for (const it of items) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/c/${it.code}`;
    a.textContent = `${t(`kind_${it.kind}`)} · ${it.code}`;
    li.append(a, ` — ${it.status === 'active' ? '' : `${t(`status_${it.status}`)}, `}${formatTime(it.issued_at)}`);
    ul.append(li);
  }
  say(p(t('file_matches', { name: file.name })), ul, hashLine);
}

function setupDrop() {
  const drop = $('drop');
  for (const type of ['dragenter', 'dragover'])
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    checkFile(e.dataTransfer.files[0]).catch((err) => say(p(String(err), 'error')));
  });
  $('file').addEventListener('change', (e) => checkFile(e.target.files[0]).catch((err) => say(p(String(err), 'error'))));
}

applyI18n(document);
$('code-form').addEventListener('submit', onSubmit);
$('code').addEventListener('input', () => { $('code-error').textContent = ''; $('code').removeAttribute('aria-invalid'); });
setupDrop();
