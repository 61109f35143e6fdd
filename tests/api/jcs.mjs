// jcs.mjs: RFC 8785 JSON Canonicalization Scheme, written for the tests independently of the
// service's C implementation, from the RFC alone: no whitespace; literals as they are; strings
// as ECMAScript JSON.stringify writes them (the minimal escapes of §3.2.2.2); numbers as
// ECMAScript Number.prototype.toString (§3.2.2.3), which writes -0 as "0", and no NaN or
// Infinity; object members sorted by their names as arrays of UTF-16 code units (§3.2.3), which
// is how JavaScript compares strings; arrays in order. Input that I-JSON (RFC 7493) rules out
// (lone surrogates, non-finite numbers, non-JSON values) throws.

// Member-name order: UTF-16 code units, unsigned, a prefix first (not locale, not code points).
export function compareUtf16(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a.charCodeAt(i) - b.charCodeAt(i);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function checkString(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new TypeError('JCS: lone high surrogate in a string');
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TypeError('JCS: lone low surrogate in a string');
    }
  }
}

function serializeString(s) {
  checkString(s);
  return JSON.stringify(s);
}

function serializeNumber(x) {
  if (!Number.isFinite(x)) throw new TypeError(`JCS: ${x} is not a finite number`);
  if (Object.is(x, -0)) return '0';
  return String(x);
}

function serialize(v, out) {
  if (v === null) { out.push('null'); return; }
  switch (typeof v) {
    case 'boolean': out.push(v ? 'true' : 'false'); return;
    case 'number': out.push(serializeNumber(v)); return;
    case 'string': out.push(serializeString(v)); return;
    case 'object': break;
    default: throw new TypeError(`JCS: a ${typeof v} is not JSON`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => { if (i) out.push(','); serialize(x, out); });
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('JCS: only plain objects');
  const names = Object.keys(v).sort(compareUtf16);
  out.push('{');
  names.forEach((k, i) => {
    if (i) out.push(',');
    out.push(serializeString(k), ':');
    serialize(v[k], out);
  });
  out.push('}');
}

// The canonical text of a JSON value (as JSON.parse returns it).
export function jcs(value) {
  const out = [];
  serialize(value, out);
  return out.join('');
}

// The canonical UTF-8 bytes.
export const jcsBytes = (value) => Buffer.from(jcs(value), 'utf8');
