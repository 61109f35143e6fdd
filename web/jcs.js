// jcs.js: RFC 8785 JSON Canonicalization Scheme for the browser: no whitespace; strings as
// JSON.stringify writes them; numbers as Number.prototype.toString (-0 as "0", no NaN or
// Infinity); object members sorted by UTF-16 code units (how JavaScript compares strings); arrays
// in order. Lone surrogates and non-JSON values throw.

function checkString(s) {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new TypeError('JCS: lone surrogate');
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      throw new TypeError('JCS: lone surrogate');
    }
  }
  return JSON.stringify(s);
}

function serialize(v, out) {
  if (v === null) return out.push('null');
  switch (typeof v) {
    case 'boolean': return out.push(v ? 'true' : 'false');
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('JCS: not a finite number');
      return out.push(Object.is(v, -0) ? '0' : String(v));
    case 'string': return out.push(checkString(v));
    case 'object': break;
    default: throw new TypeError(`JCS: a ${typeof v} is not JSON`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => { if (i) out.push(','); serialize(x, out); });
    return out.push(']');
  }
  out.push('{');
  Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).forEach((k, i) => {
    if (i) out.push(',');
    out.push(checkString(k), ':');
    serialize(v[k], out);
  });
  return out.push('}');
}

// The canonical text of a JSON value (as JSON.parse returns it).
export function jcs(value) {
  const out = [];
  serialize(value, out);
  return out.join('');
}

// Whether a and b are the same JSON value (both present).
export const sameJson = (a, b) => a !== undefined && b !== undefined && jcs(a) === jcs(b);
