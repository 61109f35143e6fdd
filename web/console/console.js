// console.js: the issuer's console. Signs in with an API key (POST /v1/session: the server keeps
// the session, the browser an HttpOnly cookie) and then calls the same /v1 routes as any client,
// sending the session's CSRF token on every state-changing request: the views can do nothing the
// key could not. Views are drawn from the answers with DOM calls (no HTML strings, no inline
// style), one per location hash (#/certs, #/cert/7, ...). Talks to this origin only.
import { formatTime } from '../i18n.js';
import { lang, t } from './texts.js';

const $ = (id) => document.getElementById(id);
let me = null; // {account_id, role, issuer_id, key_id, csrf_token}

// h('p', {class: 'x', on: {click: f}}, 'text', node, ...): an element; null children are skipped.
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k in el && typeof el[k] === 'boolean') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

// --- talking to ddcd ---------------------------------------------------------------------------

// fetch on this origin with the session cookie (and its CSRF token when the method changes
// something); resolves {status, ok, json, text}. A 401 ends the session here too.
async function api(method, path, { json, body, ctype } = {}) {
  const headers = {};
  if (me?.csrf_token && method !== 'GET') headers['X-CSRF-Token'] = me.csrf_token;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  else if (ctype) headers['Content-Type'] = ctype;
  const r = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store', referrerPolicy: 'no-referrer' });
  const text = await r.text();
  let parsed = null;
  if ((r.headers.get('Content-Type') || '').includes('json')) try { parsed = JSON.parse(text); } catch { parsed = null; }
  const res = { status: r.status, ok: r.ok, json: parsed, text };
  if (r.status === 401 && me && path !== '/v1/session') { me = null; showSignin(t('session_ended')); }
  return res;
}

const problem = (r) => t('failed', { status: r.status, detail: r.json?.detail || r.json?.title || r.text.slice(0, 200) });

function flash(text, bad = false) {
  const f = $('flash');
  f.textContent = text;
  f.classList.toggle('flash-bad', bad);
}

// --- sign-in, sign-out, frame ------------------------------------------------------------------

function showSignin(message = '') {
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  $('content').replaceChildren();
  $('signin').hidden = false;
  $('signin-error').textContent = message;
  document.body.dataset.view = 'signin';
  $('signin-key').focus();
}

async function signIn(ev) {
  ev.preventDefault();
  const input = $('signin-key');
  const r = await api('POST', '/v1/session', { json: { key: input.value.trim() } });
  if (r.status !== 201) {
    input.setAttribute('aria-invalid', 'true');
    $('signin-error').textContent = t('signin_failed', { detail: r.json?.detail || r.status });
    input.focus();
    return;
  }
  input.value = '';
  input.removeAttribute('aria-invalid');
  start(r.json);
}

async function signOut() {
  await api('DELETE', '/v1/session');
  me = null;
  history.replaceState(null, '', location.pathname + location.search);
  showSignin();
}

const ISSUER_VIEWS = ['certs', 'mint', 'batch', 'balance', 'keys', 'apikeys', 'webhooks'];
const OPERATOR_VIEWS = ['accounts', 'certs', 'prices', 'recharges', 'log', 'witnesses', 'apikeys', 'webhooks'];
const viewsOf = (role) => (role === 'issuer' ? ISSUER_VIEWS : role === 'operator' ? OPERATOR_VIEWS : []);

function start(session) {
  me = session;
  $('signin').hidden = true;
  $('signout').hidden = false;
  $('who').textContent = t('signed_in_as', { id: me.account_id, role: t(`role_${me.role}`) });
  const nav = $('nav');
  nav.replaceChildren(...viewsOf(me.role).map((v) => h('a', { href: `#/${v}`, 'data-view': v, text: t(`nav_${v}`) })));
  nav.hidden = viewsOf(me.role).length === 0;
  route();
}

// --- router ------------------------------------------------------------------------------------

const VIEWS = {};

async function route() {
  if (!me) return;
  const [name, arg] = location.hash.replace(/^#\/?/, '').split('/');
  const allowed = viewsOf(me.role);
  const view = name === 'cert' && allowed.includes('certs') ? 'cert' : allowed.includes(name) ? name : allowed[0];
  for (const a of $('nav').querySelectorAll('a')) {
    if (a.dataset.view === view || (view === 'cert' && a.dataset.view === 'certs')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const content = $('content');
  flash('');
  if (!view) {
    document.body.dataset.view = 'none';
    content.replaceChildren(h('section', { class: 'card' }, h('h1', { tabindex: '-1', text: t('no_views_title') }), h('p', { text: t('no_views') })));
    content.querySelector('h1').focus();
    return;
  }
  document.body.dataset.view = view;
  content.replaceChildren(h('p', { class: 'muted', text: t('loading') }));
  try {
    await VIEWS[view](content, arg ? decodeURIComponent(arg) : undefined);
  } catch (err) {
    if (me) content.replaceChildren(h('p', { class: 'error', role: 'alert', text: String(err) }));
  }
  if (!me) return;
  const h1 = content.querySelector('h1');
  if (h1 && !content.contains(document.activeElement)) { h1.tabIndex = -1; h1.focus(); }
}

// --- small builders ----------------------------------------------------------------------------

let fieldSeq = 0;
// A labelled control with room for its hint and its error: {wrap, input, error}.
function field(label, { name, type = 'text', value = '', options, hint, required, wide, rows } = {}) {
  const id = `f${++fieldSeq}`;
  const err = h('p', { class: 'error', id: `${id}-err` });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  const described = [hintEl ? `${id}-hint` : null, `${id}-err`].filter(Boolean).join(' ');
  let input;
  if (options) input = h('select', { id, name, 'aria-describedby': described }, options.map(([v, l]) => h('option', { value: v, selected: v === value, text: l })));
  else if (rows) input = h('textarea', { id, name, rows, 'aria-describedby': described, required });
  else input = h('input', { id, name, type, 'aria-describedby': described, required, autocomplete: 'off' });
  if (!options) input.value = value;
  const wrap = h('div', { class: `field${wide ? ' wide' : ''}`, 'data-field': name }, h('label', { for: id, text: label }), input, hintEl, err);
  return { wrap, input, error: err };
}

// Marks each field named by a problem (or the whole form), focusing the first.
function showErrors(fields, r, summary) {
  for (const f of Object.values(fields)) { f.error.textContent = ''; f.input.removeAttribute('aria-invalid'); }
  const name = r.json?.field;
  const f = name && (fields[name] || fields[name.replace(/\[\d+\]$/, '')]);
  if (f) {
    f.error.textContent = r.json.detail || r.json.title;
    f.input.setAttribute('aria-invalid', 'true');
    summary.textContent = t('form_errors');
    f.input.focus();
  } else summary.textContent = problem(r);
}

function table(caption, headers, rows, id) {
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h('table', { id }, h('caption', { text: caption }),
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col', text: x })))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c ?? '')))))));
}

const pill = (status) => h('span', { class: `pill pill-${status}`, text: t(`st_${status}`) });
const money = (minor, cur) => `${(Number(minor) / 100).toFixed(2)} ${cur}`;

// A confirm step inside container: a fieldset with an optional reason and Confirm/Cancel.
function confirmStep(container, { legend, note, reason, button, run }) {
  container.querySelector('fieldset.confirm')?.remove();
  const status = h('p', { class: 'error', role: 'alert' });
  const rf = reason ? field(t('reason'), { name: 'reason', rows: 2, required: true }) : null;
  const ok = h('button', { type: 'button', class: 'danger', text: button });
  const cancel = h('button', { type: 'button', class: 'secondary', text: t('cancel') });
  const fs = h('fieldset', { class: 'confirm' }, h('legend', { text: legend }), h('p', { text: note }), rf?.wrap, h('div', { class: 'buttons' }, ok, cancel), status);
  ok.addEventListener('click', async () => {
    if (rf && !rf.input.value.trim()) { rf.input.setAttribute('aria-invalid', 'true'); rf.error.textContent = t('reason'); rf.input.focus(); return; }
    ok.disabled = true;
    const r = await run(rf ? rf.input.value.trim() : undefined);
    ok.disabled = false;
    if (r && !r.ok) { status.textContent = problem(r); return; }
    fs.remove();
  });
  cancel.addEventListener('click', () => fs.remove());
  container.append(fs);
  (rf ? rf.input : ok).focus();
}

// --- issuer: certificates ----------------------------------------------------------------------

const KINDS = {
  copyright: [['title'], ['authors', 'list'], ['registration_no'], ['work_type'], ['created_on', 'date']],
  diploma: [['student_name'], ['student_id'], ['degree'], ['major'], ['institution'], ['conferred_on', 'date']],
  generic: [['title']],
};
const STATUSES = ['active', 'frozen', 'revoked', 'burned'];
const SEARCH = ['q', 'external_ref', 'status', 'kind', 'issued_from', 'issued_to'];

VIEWS.certs = async (content) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const f = {
    q: field(t('search_q'), { name: 'q', type: 'search', value: params.get('q') || '' }),
    external_ref: field(t('search_ref'), { name: 'external_ref', value: params.get('external_ref') || '' }),
    status: field(t('search_status'), { name: 'status', value: params.get('status') || '', options: [['', t('any')], ...STATUSES.map((s) => [s, t(`st_${s}`)])] }),
    kind: field(t('search_kind'), { name: 'kind', value: params.get('kind') || '', options: [['', t('any')], ...Object.keys(KINDS).map((k) => [k, t(`kind_${k}`)])] }),
    issued_from: field(t('search_from'), { name: 'issued_from', type: 'date', value: params.get('issued_from') || '' }),
    issued_to: field(t('search_to'), { name: 'issued_to', type: 'date', value: params.get('issued_to') || '' }),
  };
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card grid-form', id: 'search-form', role: 'search', novalidate: true },
    Object.values(f).map((x) => x.wrap), h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('search') })), summary);
  const results = h('div', { id: 'results' });
  content.replaceChildren(h('h1', { text: t('nav_certs') }), form, results);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const k of SEARCH) if (f[k].input.value.trim()) q.set(k, f[k].input.value.trim());
    location.hash = `#/certs?${q}`;
  });
  const query = new URLSearchParams({ limit: '20', order: 'desc' });
  for (const k of SEARCH) if (params.get(k)) query.set(k, params.get(k));
  const cursors = [null];
  const load = async () => {
    const cursor = cursors[cursors.length - 1];
    if (cursor) query.set('cursor', cursor); else query.delete('cursor');
    const r = await api('GET', `/v1/certificates?${query}`);
    if (!r.ok) { showErrors(f, r, summary); results.replaceChildren(); return; }
    const items = r.json.items || [];
    const title = (m = {}) => m.title || m.student_name || '';
    const rows = items.map((c) => [h('a', { href: `#/cert/${c.ddc_id}`, text: `#${c.ddc_id}` }), title(c.metadata), t(`kind_${c.kind}`), pill(c.status), c.external_ref || '', formatTime(c.issued_at), h('span', { class: 'mono', text: c.code })]);
    const prev = h('button', { type: 'button', class: 'secondary', text: t('prev_page'), disabled: cursors.length < 2, on: { click: () => { cursors.pop(); load(); } } });
    const next = h('button', { type: 'button', class: 'secondary', id: 'next-page', text: t('next_page'), disabled: !r.json.next_cursor, on: { click: () => { cursors.push(r.json.next_cursor); load(); } } });
    results.dataset.q = params.get('q') || '';
    results.replaceChildren(items.length ? table(t('results'), [t('col_id'), t('col_title'), t('col_kind'), t('col_status'), t('col_ref'), t('col_issued'), t('col_code')], rows, 'cert-table') : h('p', { class: 'card', text: t('none') }), h('div', { class: 'pager' }, prev, next));
  };
  await load();
};

function metaValue(v) {
  return Array.isArray(v) ? v.join(lang === 'zh' ? '、' : ', ') : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

VIEWS.cert = async (content, id) => {
  const [cr, er] = await Promise.all([api('GET', `/v1/certificates/${encodeURIComponent(id)}`), api('GET', `/v1/certificates/${encodeURIComponent(id)}/events`)]);
  if (!cr.ok) { content.replaceChildren(h('h1', { text: t('cert_heading', { id }) }), h('p', { class: 'error', role: 'alert', text: problem(cr) })); return; }
  const c = cr.json;
  const doc = c.document || {};
  const kv = (pairs) => h('dl', { class: 'kv' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '').flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]));
  const pub = `/c/${c.code}`;
  const details = kv([
    [t('col_status'), h('span', { id: 'cert-status' }, pill(c.status))],
    [t('f_code'), h('span', { class: 'mono', text: c.code })],
    [t('f_kind'), t(`kind_${c.kind}`)],
    [t('owner'), `#${c.owner_id}`],
    [t('f_issued_at'), formatTime(c.issued_at)],
    [t('col_ref'), c.external_ref],
    [t('reason'), c.revoke_reason],
    [t('f_content_hash'), c.content_hash && h('span', { class: 'mono', text: c.content_hash })],
    [t('f_valid_from'), c.valid_from && formatTime(c.valid_from)],
    [t('f_valid_until'), c.valid_until && formatTime(c.valid_until)],
    [t('public_page'), h('a', { href: pub, id: 'public-link', text: location.origin + pub })],
  ]);
  const meta = kv(Object.entries(doc.metadata || {}).map(([k, v]) => [t(`f_${k}`), metaValue(v)]));
  const events = h('ol', { class: 'timeline', id: 'events' }, (er.json?.items || []).map((e) => h('li', { class: `ev-${e.type}` }, h('strong', { text: e.type }), h('time', { datetime: e.time, text: formatTime(e.time) }), e.data?.reason ? h('span', { text: e.data.reason }) : null)));
  const actions = h('section', { class: 'card', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h', text: t('h_actions') }));
  const act = (op, legendKey, note) => h('button', { type: 'button', class: op === 'unfreeze' ? 'secondary' : 'danger', id: `act-${op}`, text: t(op), on: { click: () => confirmStep(actions, {
    legend: t(legendKey), note, reason: true, button: t(legendKey),
    run: async (why) => {
      const r = await api('POST', `/v1/certificates/${c.ddc_id}/${op}`, { json: { reason: why } });
      if (r.ok) { await route(); flash(t(`done_${op}`)); }
      return r;
    },
  }) } });
  const buttons = h('div', { class: 'buttons' });
  if (c.status === 'active') buttons.append(act('revoke', 'confirm_revoke', t('confirm_note')), act('freeze', 'confirm_freeze', t('confirm_note_freeze')));
  if (c.status === 'frozen') buttons.append(act('revoke', 'confirm_revoke', t('confirm_note')), act('unfreeze', 'confirm_unfreeze', t('confirm_note_freeze')));
  actions.append(buttons);
  content.replaceChildren(
    h('h1', { text: t('cert_heading', { id: c.ddc_id }) }),
    h('div', { class: 'cols' },
      h('section', { class: 'card' }, details, h('figure', { class: 'qr' }, h('img', { src: `${pub}/qr.svg`, alt: t('qr_alt'), width: '128', height: '128' }))),
      h('section', { class: 'card', 'aria-labelledby': 'doc-h' }, h('h2', { id: 'doc-h', text: t('h_document') }), meta),
      h('section', { class: 'card', 'aria-labelledby': 'ev-h' }, h('h2', { id: 'ev-h', text: t('h_events') }), events)),
    buttons.childElementCount ? actions : null);
};

// --- issuer: minting ---------------------------------------------------------------------------

const hex = (buf) => Array.from(new Uint8Array(buf), (x) => x.toString(16).padStart(2, '0')).join('');

VIEWS.mint = async (content) => {
  const kindF = field(t('f_kind'), { name: 'kind', value: 'copyright', options: Object.keys(KINDS).map((k) => [k, t(`kind_${k}`)]) });
  const metaBox = h('div', { class: 'grid-form wide' });
  const summary = h('p', { class: 'error', role: 'alert', id: 'mint-summary' });
  const common = {
    owner_id: field(t('f_owner_id'), { name: 'owner_id', type: 'number' }),
    external_ref: field(t('f_external_ref'), { name: 'external_ref' }),
    content_hash: field(t('f_content_hash_c'), { name: 'content_hash' }),
    file: field(t('f_file'), { name: 'file', type: 'file' }),
    uri: field(t('f_uri_c'), { name: 'uri', type: 'url' }),
    valid_from: field(t('f_valid_from_c'), { name: 'valid_from', type: 'date' }),
    valid_until: field(t('f_valid_until_c'), { name: 'valid_until', type: 'date' }),
  };
  common.file.input.addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (file) common.content_hash.input.value = hex(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  });
  let meta = {};
  const drawMeta = () => {
    meta = {};
    for (const [name, type] of KINDS[kindF.input.value]) {
      meta[name] = field(t(`f_${name}`), { name: `metadata.${name}`, type: type === 'date' ? 'date' : 'text', rows: type === 'list' ? 3 : undefined, hint: type === 'list' ? t('authors_hint') : undefined, required: true });
    }
    metaBox.replaceChildren(...Object.values(meta).map((f) => f.wrap));
  };
  kindF.input.addEventListener('change', drawMeta);
  drawMeta();
  const form = h('form', { class: 'card grid-form', id: 'mint-form', novalidate: true }, kindF.wrap, metaBox, Object.values(common).map((f) => f.wrap),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('mint_button') })), summary);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { kind: kindF.input.value, metadata: {} };
    for (const [name, type] of KINDS[body.kind]) {
      const v = meta[name].input.value.trim();
      if (type === 'list') body.metadata[name] = v ? v.split('\n').map((s) => s.trim()).filter(Boolean) : [];
      else if (v) body.metadata[name] = v;
    }
    for (const k of ['owner_id', 'external_ref', 'content_hash', 'uri', 'valid_from', 'valid_until']) {
      const v = common[k].input.value.trim();
      if (v) body[k] = k === 'owner_id' ? Number(v) : v;
    }
    const fields = { kind: kindF, ...Object.fromEntries(Object.entries(meta).map(([k, f]) => [`metadata.${k}`, f])), ...common };
    const r = await api('POST', '/v1/certificates', { json: body });
    if (r.status !== 201) { showErrors(fields, r, summary); return; }
    location.hash = `#/cert/${r.json.ddc_id}`;
    setTimeout(() => flash(t('minted', { id: r.json.ddc_id, code: r.json.code })), 0);
  });
  content.replaceChildren(h('h1', { text: t('mint_title') }), form);
};

// --- issuer: batches ---------------------------------------------------------------------------

// The rows of a CSV text (RFC 4180: quotes, doubled quotes, line breaks in quotes).
function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

VIEWS.batch = async (content) => {
  const kindF = field(t('f_kind'), { name: 'kind', value: 'diploma', options: Object.keys(KINDS).map((k) => [k, t(`kind_${k}`)]) });
  const modeF = field(t('batch_mode'), { name: 'mode', value: 'all_or_nothing', options: [['all_or_nothing', t('mode_all_or_nothing')], ['partial', t('mode_partial')]] });
  const dry = h('input', { type: 'checkbox', id: 'batch-dry' });
  const file = h('input', { type: 'file', id: 'batch-file', class: 'visually-hidden', accept: '.csv,.ndjson,.jsonl,text/csv,application/x-ndjson' });
  const drop = h('div', { class: 'drop wide', id: 'batch-drop' }, h('p', { text: t('drop_label') }), file, h('label', { class: 'button', for: 'batch-file', text: t('choose_file') }));
  const out = h('div', { id: 'batch-out' });
  const form = h('form', { class: 'card grid-form', id: 'batch-form', novalidate: true }, h('p', { class: 'wide', text: t('batch_lead') }), kindF.wrap, modeF.wrap,
    h('div', { class: 'check-row wide' }, dry, h('label', { for: 'batch-dry', text: t('dry_run') })), drop);
  form.addEventListener('submit', (e) => e.preventDefault());
  content.replaceChildren(h('h1', { text: t('batch_title') }), form, out);
  const upload = async (f) => {
    if (!f) return;
    out.replaceChildren(h('p', { role: 'status', text: t('uploading', { name: f.name }) }));
    const q = new URLSearchParams({ kind: kindF.input.value, mode: modeF.input.value });
    if (dry.checked) q.set('dry_run', 'true');
    const ndjson = /\.(nd)?jsonl?$|ndjson$/i.test(f.name);
    const r = await api('POST', `/v1/batches?${q}`, { body: f, ctype: ndjson ? 'application/x-ndjson' : 'text/csv' });
    if (r.status !== 202 && r.status !== 200) { out.replaceChildren(h('p', { class: 'error', role: 'alert', text: problem(r) })); return; }
    follow(out, r.json);
  };
  for (const type of ['dragenter', 'dragover']) drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files[0]); });
  file.addEventListener('change', () => upload(file.files[0]));
};

const FINAL = ['completed', 'failed', 'cancelled'];
const finishedState = (b) => FINAL.includes(b.state) || (b.state === 'quoted' && b.dry_run);

// Shows batch b and follows its progress stream until it ends; then the error table.
function follow(out, b) {
  const bar = h('progress', { id: 'batch-bar', max: String(Math.max(b.rows_total, 1)), value: '0', 'aria-labelledby': 'batch-bar-label' });
  const state = h('p', { id: 'batch-state' });
  const counts = h('p', { id: 'batch-counts' });
  const report = h('div', { id: 'batch-report' });
  const done = h('p', { class: 'visually-hidden', role: 'status' });
  out.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'batch-bar-label' }, h('h2', { id: 'batch-bar-label', text: t('batch_progress') }), state, bar, counts, done), report);
  const show = (x) => {
    const n = x.rows_done + x.rows_failed;
    const total = Math.max(x.rows_total, 1);
    const finished = finishedState(x);
    const value = finished && x.state === 'completed' ? total : Math.min(n, total);
    bar.max = total;
    bar.value = value;
    bar.dataset.pct = String(Math.round((100 * value) / total));
    state.textContent = t('batch_state', { id: x.batch_id, state: t(`state_${x.state}`) });
    counts.textContent = t('batch_counts', { done: x.rows_done, failed: x.rows_failed, total: x.rows_total, pct: bar.dataset.pct });
    if (finished) { done.textContent = `${state.textContent}. ${counts.textContent}`; out.dataset.state = x.state; showReport(report, x); }
    return finished;
  };
  if (show(b)) return;
  const es = new EventSource(`/v1/batches/${b.batch_id}/progress`);
  es.addEventListener('progress', (ev) => { if (show(JSON.parse(ev.data))) es.close(); });
  es.onerror = async () => {
    es.close();
    const r = await api('GET', `/v1/batches/${b.batch_id}`);
    if (r.ok && !show(r.json)) follow(out, r.json);
  };
}

async function showReport(report, b) {
  const links = h('div', { class: 'buttons' },
    h('a', { href: `/v1/batches/${b.batch_id}/errors`, download: `batch-${b.batch_id}-errors.csv`, id: 'dl-errors', text: t('download_errors') }),
    b.rows_done ? h('a', { href: `/v1/batches/${b.batch_id}/certificates`, download: `batch-${b.batch_id}-certificates.csv`, id: 'dl-certs', text: t('download_certs') }) : null);
  if (!b.rows_failed) { report.replaceChildren(h('section', { class: 'card' }, links)); return; }
  const r = await api('GET', `/v1/batches/${b.batch_id}/errors`);
  const rows = r.ok ? parseCsv(r.text).slice(1).filter((x) => x.length > 1) : [];
  report.replaceChildren(h('section', { class: 'card' }, table(t('batch_errors'), [t('col_line'), t('col_field'), t('col_error'), t('col_message')], rows, 'batch-errors'), links));
}

// --- issuer: money, keys -----------------------------------------------------------------------

VIEWS.balance = async (content) => {
  const id = me.account_id;
  const [br, jr] = await Promise.all([api('GET', `/v1/accounts/${id}/balance`), api('GET', `/v1/accounts/${id}/journal?limit=50`)]);
  if (!br.ok) throw new Error(problem(br));
  const balances = br.json.balances || [];
  const cur = field(t('statement_currency'), { name: 'currency', value: balances[0]?.currency || 'CNY' });
  const from = field(t('statement_from'), { name: 'from', type: 'date' });
  const to = field(t('statement_to'), { name: 'to', type: 'date' });
  const link = h('a', { id: 'dl-statement', text: t('download_statement') });
  const update = () => {
    const q = new URLSearchParams();
    if (cur.input.value.trim()) q.set('currency', cur.input.value.trim().toUpperCase());
    if (from.input.value) q.set('from', from.input.value);
    if (to.input.value) q.set('to', to.input.value);
    link.href = `/v1/accounts/${id}/statement?${q}`;
    link.download = `statement-${id}.csv`;
  };
  for (const f of [cur, from, to]) f.input.addEventListener('input', update);
  update();
  const journal = (jr.json?.items || []).slice().reverse().map((x) => [formatTime(x.time), x.reason, x.reference || (x.ddc_id ? `#${x.ddc_id}` : ''), h('span', { class: 'num', text: money(x.delta, x.currency) }), money(x.balance_after, x.currency)]);
  content.replaceChildren(h('h1', { text: t('balance_title') }),
    h('section', { class: 'card' }, table(t('nav_balance'), [t('col_currency'), t('col_amount')], balances.map((b) => [b.currency, money(b.amount_minor, b.currency)]), 'balances')),
    h('section', { class: 'card' }, h('h2', { text: t('statement') }), h('div', { class: 'grid-form' }, cur.wrap, from.wrap, to.wrap, h('div', { class: 'buttons' }, link))),
    h('section', { class: 'card' }, journal.length ? table(t('journal'), [t('col_time'), t('col_reason'), t('col_reference'), t('col_delta'), t('col_balance_after')], journal, 'journal') : h('p', { text: t('none') })));
};

VIEWS.keys = async (content) => {
  const id = me.account_id;
  const r = await api('GET', `/v1/accounts/${id}/keys`);
  if (!r.ok) throw new Error(problem(r));
  const box = h('section', { class: 'card' });
  const after = (msg) => async (res) => { if (res.ok) { await route(); flash(msg); } return res; };
  const rows = (r.json.items || []).map((k) => [String(k.key_id), h('span', { class: 'mono', text: k.public_key }), formatTime(k.valid_from), k.retired_at ? formatTime(k.retired_at) : k.current ? t('current') : '',
    k.retired_at ? '' : h('button', { type: 'button', class: 'secondary', text: t('retire'), on: { click: () => confirmStep(box, { legend: t('confirm_retire', { id: k.key_id }), note: t('confirm_note'), button: t('confirm_retire', { id: k.key_id }), run: () => api('POST', `/v1/accounts/${id}/keys/${k.key_id}/retire`, { json: {} }).then(after(t('done_retire'))) }) } })]);
  const rotate = h('button', { type: 'button', id: 'rotate', text: t('rotate'), on: { click: () => confirmStep(box, { legend: t('confirm_rotate'), note: t('confirm_note'), button: t('confirm_rotate'), run: () => api('POST', `/v1/accounts/${id}/keys`, { json: {} }).then(after(t('done_rotate'))) }) } });
  box.append(rows.length ? table(t('keys_title'), [t('col_key'), t('col_public_key'), t('col_valid_from'), t('col_retired'), t('h_actions')], rows, 'signing-keys') : h('p', { text: t('none') }), h('div', { class: 'buttons' }, rotate));
  content.replaceChildren(h('h1', { text: t('keys_title') }), box);
};

VIEWS.apikeys = async (content) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const id = me.role === 'operator' && params.get('account') ? params.get('account') : String(me.account_id);
  const box = h('section', { class: 'card' });
  const head = [h('h1', { text: t('apikeys_title') })];
  if (me.role === 'operator') {
    const acc = field(t('account_id'), { name: 'account', type: 'number', value: id });
    const f = h('form', { class: 'card grid-form', novalidate: true }, acc.wrap, h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('show') })));
    f.addEventListener('submit', (e) => { e.preventDefault(); location.hash = `#/apikeys?account=${encodeURIComponent(acc.input.value)}`; });
    head.push(f);
  }
  const r = await api('GET', `/v1/accounts/${encodeURIComponent(id)}/api-keys`);
  if (!r.ok) throw new Error(problem(r));
  const rows = (r.json.items || []).map((k) => [k.name, h('span', { class: 'mono', text: k.prefix }), formatTime(k.created_at), k.revoked_at ? formatTime(k.revoked_at) : '',
    k.revoked_at ? '' : h('button', { type: 'button', class: 'secondary', text: t('revoke_key'), on: { click: () => confirmStep(box, { legend: t('confirm_revoke_key', { prefix: k.prefix }), note: t('confirm_note'), button: t('confirm_revoke_key', { prefix: k.prefix }),
      run: async () => { const res = await api('DELETE', `/v1/api-keys/${k.id}`); if (res.ok && me) { await route(); flash(t('done_revoke_key')); } return res; } }) } })]);
  box.append(rows.length ? table(t('apikeys_title'), [t('col_name'), t('col_prefix'), t('col_created'), t('col_revoked'), t('h_actions')], rows, 'api-keys') : h('p', { text: t('none') }));
  const name = field(t('key_name'), { name: 'name', required: true });
  const rps = field(t('rate_per_sec'), { name: 'rate_per_sec', type: 'number' });
  const rpd = field(t('rate_per_day'), { name: 'rate_per_day', type: 'number' });
  const summary = h('p', { class: 'error', role: 'alert' });
  const secret = h('div', { id: 'new-secret' });
  const form = h('form', { class: 'card grid-form', id: 'apikey-form', novalidate: true }, h('h2', { class: 'wide', text: t('new_key') }), name.wrap, rps.wrap, rpd.wrap, h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('create') })), summary, secret);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.input.value.trim() };
    if (rps.input.value) body.rate_per_sec = Number(rps.input.value);
    if (rpd.input.value) body.rate_per_day = Number(rpd.input.value);
    const res = await api('POST', `/v1/accounts/${encodeURIComponent(id)}/api-keys`, { json: body });
    if (res.status !== 201) { showErrors({ name, rate_per_sec: rps, rate_per_day: rpd }, res, summary); return; }
    summary.textContent = '';
    const out = h('input', { class: 'secret', id: 'secret-value', readonly: true, 'aria-label': t('secret_once'), value: res.json.key });
    secret.replaceChildren(h('p', { class: 'notice', text: t('secret_once') }), out);
    out.focus();
    out.select();
  });
  content.replaceChildren(...head, box, form);
};

// --- webhooks (the signed-in account's endpoints) ----------------------------------------------

const HOOK_EVENTS = ['mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn', 'key_added'];

// An endpoint's state: a pill, and when it was disabled, why (the reason ddcd wrote).
const hookState = (w) => (w.disabled_at
  ? h('span', { class: 'hook-state' }, h('span', { class: 'pill pill-disabled', text: t('wh_disabled') }), ' ', h('span', { class: 'hook-reason', text: w.disabled_reason || '' }))
  : h('span', { class: 'hook-state' }, h('span', { class: 'pill pill-active', text: t('wh_active') })));

// The create form: url and the events (checkboxes, or all); the secret is shown once.
function webhookForm(onCreated) {
  const url = field(t('col_url'), { name: 'url', type: 'url', required: true, hint: t('wh_url_hint') });
  const boxes = ['*', ...HOOK_EVENTS].map((e) => {
    const id = `ev-${e === '*' ? 'all' : e}`;
    const input = h('input', { type: 'checkbox', id, name: 'events', value: e });
    return { input, wrap: h('div', { class: 'check-row' }, input, h('label', { for: id, text: e === '*' ? t('wh_all_events') : e })) };
  });
  const evErr = h('p', { class: 'error', id: 'wh-events-err' });
  const events = h('fieldset', { class: 'wide hook-events', 'aria-describedby': 'wh-events-err', 'data-field': 'events' }, h('legend', { text: t('wh_events') }), h('div', { class: 'checks' }, boxes.map((b) => b.wrap)), evErr);
  const summary = h('p', { class: 'error', role: 'alert' });
  const secret = h('div', { id: 'webhook-secret', class: 'wide' });
  const form = h('form', { class: 'card grid-form', id: 'webhook-form', novalidate: true }, h('h2', { class: 'wide', text: t('new_webhook') }), url.wrap, events,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('create') })), summary, secret);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
    const res = await api('POST', '/v1/webhooks', { json: { url: url.input.value.trim(), events: chosen.includes('*') ? ['*'] : chosen } });
    if (res.status !== 201) { showErrors({ url, events: { input: boxes[0].input, error: evErr } }, res, summary); return; }
    summary.textContent = '';
    await onCreated(res.json);
    const out = h('input', { class: 'secret', id: 'webhook-secret-value', readonly: true, 'aria-label': t('wh_secret_once'), value: res.json.secret });
    secret.replaceChildren(h('p', { class: 'notice', text: t('wh_secret_once') }), out);
    out.focus();
    out.select();
  });
  return form;
}

// One endpoint's delivery attempts, newest first, a page at a time.
async function deliveries(box, w) {
  const cursors = [null];
  const load = async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (cursors.at(-1)) q.set('cursor', cursors.at(-1));
    const r = await api('GET', `/v1/webhooks/${w.id}/deliveries?${q}`);
    if (!r.ok) { box.replaceChildren(h('p', { class: 'error', role: 'alert', text: problem(r) })); return; }
    const rows = r.json.items.map((d) => [formatTime(d.at), h('span', {}, h('code', { text: d.type }), d.ddc_id ? ` #${d.ddc_id}` : ''), String(d.attempt),
      d.status_code === null ? t('wh_no_answer') : String(d.status_code), h('span', { class: `outcome-${d.outcome}`, text: t(`wh_${d.outcome}`) }), d.error || '']);
    box.replaceChildren(h('h2', { id: 'deliveries-h', text: t('wh_deliveries_of', { id: w.id }) }),
      h('p', {}, h('strong', { text: `${t('col_state')}: ` }), h('span', { id: 'webhook-state' }, hookState(w))),
      h('p', { id: 'webhook-pending', text: t('wh_pending', { n: w.pending }) }),
      rows.length ? table(t('wh_deliveries'), [t('col_time'), t('wh_event'), t('wh_attempt'), t('wh_status_code'), t('wh_outcome'), t('col_error')], rows, 'deliveries') : h('p', { text: t('none') }),
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', id: 'deliveries-refresh', text: t('refresh'), on: { click: () => route() } }),
        h('button', { type: 'button', class: 'secondary', text: t('prev_page'), disabled: cursors.length < 2, on: { click: () => { cursors.pop(); load(); } } }),
        h('button', { type: 'button', class: 'secondary', text: t('next_page'), disabled: !r.json.next_cursor, on: { click: () => { cursors.push(r.json.next_cursor); load(); } } })));
  };
  await load();
}

VIEWS.webhooks = async (content, id) => {
  const box = h('section', { class: 'card' });
  const enable = async (ev, w) => {
    ev.currentTarget.disabled = true;
    const res = await api('POST', `/v1/webhooks/${w.id}/enable`, { json: {} });
    if (res.ok) { await route(); flash(t('wh_enabled', { id: w.id })); } else flash(problem(res), true);
  };
  const list = async () => {
    const r = await api('GET', '/v1/webhooks');
    if (!r.ok) throw new Error(problem(r));
    const rows = r.json.items.map((w) => [String(w.id), h('span', { class: 'mono', text: w.url }), w.events.join(' '), hookState(w), String(w.pending), formatTime(w.created_at),
      h('div', { class: 'buttons' },
        h('a', { href: `#/webhooks/${w.id}`, class: 'deliveries-link', text: t('wh_deliveries'), 'aria-label': t('wh_deliveries_of', { id: w.id }) }),
        w.disabled_at ? h('button', { type: 'button', class: 'secondary', 'data-enable': w.id, text: t('wh_enable'), on: { click: (ev) => enable(ev, w) } }) : null,
        h('button', { type: 'button', class: 'secondary', 'data-delete': w.id, text: t('wh_delete'), on: { click: () => confirmStep(box, { legend: t('wh_confirm_delete', { id: w.id }), note: t('wh_confirm_delete_note'), button: t('wh_confirm_delete', { id: w.id }),
          run: async () => {
            const res = await api('DELETE', `/v1/webhooks/${w.id}`);
            if (res.ok && me) { history.replaceState(null, '', '#/webhooks'); await route(); flash(t('wh_deleted', { id: w.id })); }
            return res;
          } }) } }))]);
    box.replaceChildren(rows.length ? table(t('webhooks_title'), [t('col_id'), t('col_url'), t('wh_events'), t('col_state'), t('wh_pending_col'), t('col_created'), t('h_actions')], rows, 'webhooks') : h('p', { text: t('none') }));
    return r.json.items;
  };
  const items = await list();
  const shown = id && items.find((w) => String(w.id) === id);
  const dbox = h('section', { class: 'card', id: 'webhook-deliveries', 'aria-labelledby': 'deliveries-h' });
  if (shown) await deliveries(dbox, shown);
  else if (id) dbox.replaceChildren(h('h2', { id: 'deliveries-h', text: t('wh_deliveries') }), h('p', { class: 'error', role: 'alert', text: t('wh_not_found', { id }) }));
  content.replaceChildren(h('h1', { text: t('webhooks_title') }), h('p', { text: t('wh_lead') }), box, ...(id ? [dbox] : []), webhookForm(list));
};

// --- operator views ----------------------------------------------------------------------------

VIEWS.accounts = async (content) => {
  const box = h('section', { class: 'card' });
  const cursors = [null];
  const load = async () => {
    const q = new URLSearchParams({ limit: '50' });
    if (cursors[cursors.length - 1]) q.set('cursor', cursors[cursors.length - 1]);
    const r = await api('GET', `/v1/accounts?${q}`);
    if (!r.ok) { box.replaceChildren(h('p', { class: 'error', text: problem(r) })); return; }
    const rows = r.json.items.map((a) => [String(a.id), a.name, t(`role_${a.role}`), a.issuer_id ? `#${a.issuer_id}` : '', a.status === 'active' ? pill('active') : pill('frozen'),
      a.role === 'operator' ? '' : h('button', { type: 'button', class: 'secondary', text: t(a.status === 'active' ? 'freeze_account' : 'unfreeze_account'), on: { click: () => {
        const op = a.status === 'active' ? 'freeze' : 'unfreeze';
        confirmStep(box, { legend: t(`confirm_${op}_account`, { id: a.id }), note: '', button: t(`confirm_${op}_account`, { id: a.id }),
          run: async () => { const res = await api('POST', `/v1/accounts/${a.id}/${op}`, { json: {} }); if (res.ok) { await load(); flash(t('saved')); } return res; } });
      } } })]);
    box.replaceChildren(table(t('accounts_title'), [t('col_id'), t('col_name'), t('col_role'), t('col_issuer'), t('col_status'), t('h_actions')], rows, 'accounts'),
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', text: t('prev_page'), disabled: cursors.length < 2, on: { click: () => { cursors.pop(); load(); } } }),
        h('button', { type: 'button', class: 'secondary', text: t('next_page'), disabled: !r.json.next_cursor, on: { click: () => { cursors.push(r.json.next_cursor); load(); } } })));
  };
  const role = field(t('role'), { name: 'role', value: 'issuer', options: ['issuer', 'holder', 'operator'].map((x) => [x, t(`role_${x}`)]) });
  const name = field(t('name'), { name: 'name', required: true });
  const issuer = field(t('issuer_id'), { name: 'issuer_id', type: 'number' });
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card grid-form', id: 'account-form', novalidate: true }, h('h2', { class: 'wide', text: t('new_account') }), role.wrap, name.wrap, issuer.wrap, h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('create') })), summary);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { role: role.input.value, name: name.input.value.trim() };
    if (issuer.input.value) body.issuer_id = Number(issuer.input.value);
    const r = await api('POST', '/v1/accounts', { json: body });
    if (r.status !== 201) { showErrors({ role, name, issuer_id: issuer }, r, summary); return; }
    summary.textContent = '';
    await load();
    flash(t('created_account', { id: r.json.id }));
  });
  content.replaceChildren(h('h1', { text: t('accounts_title') }), box, form);
  await load();
};

const OPERATIONS = ['mint', 'transfer', 'approve', 'freeze', 'unfreeze', 'revoke', 'burn', 'batch_row'];

VIEWS.prices = async (content) => {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const issuerQ = params.get('issuer_id');
  const r = await api('GET', `/v1/prices${issuerQ ? `?issuer_id=${encodeURIComponent(issuerQ)}` : ''}`);
  if (!r.ok) throw new Error(problem(r));
  const rows = r.json.items.map((p) => [p.operation, money(p.amount_minor, p.currency), p.source]);
  const op = field(t('operation'), { name: 'operation', value: 'mint', options: OPERATIONS.map((x) => [x, x]) });
  const amount = field(t('amount_minor'), { name: 'amount_minor', type: 'number', required: true });
  const cur = field(t('currency'), { name: 'currency', value: 'CNY', required: true });
  const issuer = field(t('price_issuer'), { name: 'issuer_id', type: 'number', value: issuerQ || '' });
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card grid-form', id: 'price-form', novalidate: true }, h('h2', { class: 'wide', text: t('set_price') }), op.wrap, amount.wrap, cur.wrap, issuer.wrap, h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('save') })), summary);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { amount_minor: Number(amount.input.value), currency: cur.input.value.trim().toUpperCase() };
    if (issuer.input.value) body.issuer_id = Number(issuer.input.value);
    const res = await api('PUT', `/v1/prices/${op.input.value}`, { json: body });
    if (!res.ok) { showErrors({ operation: op, amount_minor: amount, currency: cur, issuer_id: issuer }, res, summary); return; }
    location.hash = `#/prices${body.issuer_id ? `?issuer_id=${body.issuer_id}` : ''}`;
    await route();
    flash(t('saved'));
  });
  content.replaceChildren(h('h1', { text: t('prices_title') }), h('section', { class: 'card' }, table(t('prices_title'), [t('col_operation'), t('col_amount'), t('col_source')], rows, 'prices')), form);
};

VIEWS.recharges = async (content) => {
  const acc = field(t('account_id'), { name: 'account_id', type: 'number', required: true });
  const amount = field(t('amount_minor'), { name: 'amount_minor', type: 'number', required: true });
  const cur = field(t('currency'), { name: 'currency', value: 'CNY', required: true });
  const ref = field(t('reference'), { name: 'reference', required: true });
  const summary = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card grid-form', id: 'recharge-form', novalidate: true }, acc.wrap, amount.wrap, cur.wrap, ref.wrap, h('div', { class: 'buttons' }, h('button', { type: 'submit', text: t('recharge') })), summary);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const res = await api('POST', `/v1/accounts/${encodeURIComponent(acc.input.value)}/recharges`, { json: { amount_minor: Number(amount.input.value), currency: cur.input.value.trim().toUpperCase(), reference: ref.input.value.trim() } });
    if (!res.ok) { showErrors({ account_id: acc, id: acc, amount_minor: amount, currency: cur, reference: ref }, res, summary); return; }
    summary.textContent = '';
    flash(t('recharged', { id: res.json.account_id, amount: money(res.json.balance_after, ''), currency: res.json.currency }));
  });
  content.replaceChildren(h('h1', { text: t('recharges_title') }), form);
};

VIEWS.log = async (content) => {
  const [cp, an] = await Promise.all([api('GET', '/v1/log/checkpoint'), api('GET', '/v1/chain/anchors?limit=20')]);
  const size = cp.ok ? cp.text.split('\n')[1] : '?';
  const anchors = (an.json?.items || []).map((a) => [String(a.tree_size ?? a.size ?? ''), String(a.block_number ?? ''), h('span', { class: 'mono', text: a.tx_hash || '' }), a.state || a.status || '']);
  content.replaceChildren(h('h1', { text: t('log_title') }),
    h('section', { class: 'card' }, h('h2', { text: t('checkpoint') }), h('p', { id: 'log-size', text: t('log_size', { n: size }) }), h('pre', { class: 'checkpoint', text: cp.ok ? cp.text : problem(cp) })),
    h('section', { class: 'card' }, anchors.length ? table(t('anchors'), [t('col_size'), t('col_block'), t('col_tx'), t('col_state')], anchors, 'anchors') : h('p', {}, h('strong', { text: `${t('anchors')}: ` }), t('none'))));
};

VIEWS.witnesses = async (content) => {
  const r = await api('GET', '/v1/log/witnesses');
  if (!r.ok) throw new Error(problem(r));
  const w = r.json;
  const rows = (w.witnesses || []).map((x) => [x.name || x.key || '', x.url || '', String(x.size ?? x.cosigned_size ?? '')]);
  content.replaceChildren(h('h1', { text: t('witnesses_title') }), h('section', { class: 'card' },
    h('p', { text: t('witness_summary', { quorum: w.quorum, final: w.final_size, size: w.size }) }),
    rows.length ? table(t('witnesses_title'), [t('col_name'), t('col_url'), t('col_cosigned')], rows, 'witnesses') : h('p', { text: t('none') })));
};

// --- start -------------------------------------------------------------------------------------

function applyTexts() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-attr]'))
    for (const pair of el.dataset.i18nAttr.split(';')) { const [a, k] = pair.split(':'); el.setAttribute(a, t(k)); }
  for (const a of document.querySelectorAll('nav.lang a[lang]')) if (a.lang === lang) a.setAttribute('aria-current', 'true');
  document.title = t('console_title');
}

applyTexts();
$('signin-form').addEventListener('submit', (e) => signIn(e).catch((err) => { $('signin-error').textContent = String(err); }));
$('signin-key').addEventListener('input', () => $('signin-key').removeAttribute('aria-invalid'));
$('signout').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => route());
api('GET', '/v1/session').then((r) => (r.ok && r.json.csrf_token ? start(r.json) : showSignin()), () => showSignin());
