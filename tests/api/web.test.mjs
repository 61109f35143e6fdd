// web.test.mjs: the citizen's pages over HTTP (the browser suite tests/web/ clicks them): security
// headers on every page response, ETags and 304, the language choice (?lang=, cookie,
// Accept-Language), the static files, and the URL the QR code holds (DDC_PUBLIC_URL, else a
// well-formed Host header, else the default).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDdcd, request, assertProblem } from './lib.mjs';

let srv;
before(async () => { srv = await startDdcd(); });
after(async () => { await srv.stop(); });
const get = (p, headers = {}) => request(srv.base, 'GET', p, { headers });
const CODE = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';

function assertPageHeaders(res) {
  const csp = res.headers['content-security-policy'] || '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe|\*|data:/);
  assert.equal(res.headers['referrer-policy'], 'no-referrer');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'DENY');
}

test('pages: security headers, a strong ETag per language, 304 on If-None-Match', async () => {
  for (const p of ['/', `/c/${CODE}`]) {
    const r = await get(p);
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/html; charset=utf-8/);
    assertPageHeaders(r);
    assert.match(r.headers.etag, /^"[0-9a-f]{32}-en"$/);
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(r.headers.vary, /Accept-Language/);
    assert.match(r.text, /<html lang="en">/);
    assert.doesNotMatch(r.text, /<script>|on(click|load)=|style="/, 'no inline script or style');
    const again = await get(p, { 'if-none-match': r.headers.etag });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assertPageHeaders(again);
    const zh = await get(p, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' });
    assert.match(zh.text, /<html lang="zh">/);
    assert.notEqual(zh.headers.etag, r.headers.etag);
    assert.equal((await get(p, { 'if-none-match': r.headers.etag, 'accept-language': 'zh' })).status, 200, 'the English ETag does not fit the Chinese page');
  }
  const head = await request(srv.base, 'HEAD', '/');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
});

test('language: ?lang= wins and sets the cookie, the cookie beats Accept-Language, q-values count', async () => {
  const r = await get('/?lang=zh', { 'accept-language': 'en' });
  assert.match(r.text, /<html lang="zh">/);
  assert.match(r.headers['set-cookie'][0], /^ddc_lang=zh; Path=\/; Max-Age=\d+; SameSite=Strict$/);
  assert.match((await get('/', { cookie: 'ddc_lang=zh', 'accept-language': 'en' })).text, /<html lang="zh">/);
  assert.match((await get('/', { cookie: 'ddc_lang=xx', 'accept-language': 'zh-TW' })).text, /<html lang="zh">/);
  assert.match((await get('/', { 'accept-language': 'fr, en;q=0.5, zh;q=0.4' })).text, /<html lang="en">/);
  assert.match((await get('/', { 'accept-language': 'fr, en;q=0.3, zh-Hans;q=0.4' })).text, /<html lang="zh">/);
  assert.match((await get('/', { 'accept-language': 'de' })).text, /<html lang="en">/);
  assertProblem(await get('/?lang=fr'), 400, 'invalid_parameter', 'lang');
  assertProblem(await get('/?lang=zhx'), 400, 'invalid_parameter', 'lang');
  assertProblem(await get('/?code=x'), 400, 'unknown_parameter');
});

test('static files: types, ETags, 304; pages and unknown names are 404', async () => {
  const js = await get('/static/verify.js');
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'], /^text\/javascript/);
  assert.match(js.headers.etag, /^"[0-9a-f]{32}"$/);
  assertPageHeaders(js);
  assert.equal((await get('/static/verify.js', { 'if-none-match': `"x", ${js.headers.etag}` })).status, 304);
  assert.match((await get('/static/style.css')).headers['content-type'], /^text\/css/);
  for (const p of ['/static/index.html', '/static/nope.js', '/static/../Makefile', '/static/a/b.js'])
    assertProblem(await get(p), 404); // not_found, or route_not_found where the path is no route
});

// The text of a QR code's SVG cannot be read back here; what the handler put in it is the page
// URL, and the same URL with another host must draw another code.
test('QR code: an SVG of the page URL; the Host header only when well formed', async () => {
  const r = await get(`/c/${CODE}/qr.svg`);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'image/svg+xml');
  assert.match(r.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 (\d+) \1"/);
  assertPageHeaders(r);
  const host = (h) => get(`/c/${CODE}/qr.svg`, { host: h });
  const a = await host('certs.example.org');
  const b = await host('other.example.org');
  assert.notEqual(a.text, b.text, 'the host is in the URL');
  const bad = await host('evil"/><script>');
  const dflt = await host('127.0.0.1:8080');
  assert.equal(bad.text, dflt.text, 'a malformed Host gives the default URL');
  assertProblem(await get('/c/not-a-code/qr.svg'), 404, 'not_found');
  const pinned = await startDdcd({ env: { DDC_PUBLIC_URL: 'https://certs.example.org/' } });
  try {
    const p1 = await request(pinned.base, 'GET', `/c/${CODE}/qr.svg`, { headers: { host: 'other.example.org' } });
    const https = await request(pinned.base, 'GET', `/c/${CODE}/qr.svg`, { headers: { host: 'x.example' } });
    assert.equal(p1.text, https.text, 'DDC_PUBLIC_URL, whatever the Host');
    assert.notEqual(p1.text, a.text, 'https://certs.example.org, not http://');
  } finally {
    await pinned.stop();
  }
});
