// logkey.js: the log key the pages check against: the verifier key /.well-known/ddc-log
// publishes, or, once this browser has pinned one (kept in localStorage), the pinned key, so
// that a server showing another key fails the checkpoint check; and whether the two match.
const PIN = 'ddc_pinned_log_key';

export function pinnedKey() {
  try { return localStorage.getItem(PIN) || ''; } catch { return ''; }
}

// Pins key (a verifier key "name+hex+base64"), or forgets the pin when key is empty.
export function pinKey(key) {
  try {
    if (key) localStorage.setItem(PIN, key);
    else localStorage.removeItem(PIN);
    return true;
  } catch {
    return false;
  }
}

// A verifier key's shape: name+8 hex digits+base64.
export const keyShape = (k) => /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/.test(k);

// {status, served, pinned, trusted, match (true, false, or null when nothing is pinned)}.
export async function logKey() {
  const r = await fetch('/.well-known/ddc-log', { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
  let served = '';
  try { served = r.ok ? String((await r.json()).verifier_key || '') : ''; } catch { served = ''; }
  const pinned = pinnedKey();
  return { status: r.ok && !served ? 502 : r.status, served, pinned, trusted: pinned || served, match: pinned ? pinned === served : null };
}
