// index.js: the start page: a certificate code (or a pasted link holding one) leads to its page;
// a dropped or chosen file is hashed here with WebCrypto SHA-256 and only the hash is looked up
// (GET /v1/verify?content_hash=).
import { applyI18n, formatTime, t } from './i18n.js';

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

async function checkFile(file) {
  if (!file) return;
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
