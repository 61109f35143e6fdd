// mint_to_valid.mjs: for `make bench`, the time from a mint's 201 to the first
// GET /v1/verify/{code} answering "valid", over N mints with C of them in flight; each
// certificate's verdict is polled every POLL_MS. Prints "p50 P50 p99 P99 max MAX n N" in ms.
//   node mint_to_valid.mjs BASE_URL KEY_FILE N C POLL_MS
import fs from 'node:fs';
import http from 'node:http';

const [base, keyFile, n, inFlight, pollMs] = process.argv.slice(2);
const keys = fs.readFileSync(keyFile, 'utf8').trim().split('\n');
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 * Number(inFlight) });

function call(method, path, key, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json' };
    if (key) headers.authorization = `Bearer ${key}`;
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}

const times = [];
let next = 0;
async function client() {
  while (next < Number(n)) {
    const i = next++;
    const body = { kind: 'generic', metadata: { title: `mint-to-valid ${i}` } };
    const m = await call('POST', '/v1/certificates', keys[i % keys.length], body);
    if (m.status !== 201) throw new Error(`mint: ${m.status} ${JSON.stringify(m.json)}`);
    const t0 = process.hrtime.bigint();
    for (;;) {
      const v = await call('GET', `/v1/verify/${m.json.code}`);
      if (v.status !== 200) throw new Error(`verify: ${v.status} ${JSON.stringify(v.json)}`);
      if (v.json.result === 'valid') break;
      if (v.json.result !== 'not_yet_anchored') throw new Error(`verify: ${v.json.result}`);
      await new Promise((r) => setTimeout(r, Number(pollMs)));
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}

await Promise.all(Array.from({ length: Number(inFlight) }, client));
agent.destroy();
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)].toFixed(0);
console.log(`p50 ${at(0.5)} p99 ${at(0.99)} max ${at(1)} n ${times.length}`);
