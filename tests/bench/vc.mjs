// vc.mjs: for `make bench`, W3C credentials served a second: GET /v1/verify/{code}/vc (public,
// answered from the per-process cache once made) and GET /v1/certificates/{ddc_id}/vc (with the
// issuer's key: built and signed every time), CONNS keep-alive connections for SECS seconds each,
// over COUNT certificates minted here. Prints one line for the bench's table.
//   node vc.mjs BASE_URL ISSUER_KEY [COUNT] [CONNS] [SECS]
import http from 'node:http';

const [base, key, count = '50', conns = '8', secs = '3'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });

function call(method, path, body, auth) {
  return new Promise((resolve, reject) => {
    const headers = auth ? { authorization: `Bearer ${key}` } : {};
    if (body) headers['content-type'] = 'application/json';
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

async function rate(paths, auth) {
  const end = Date.now() + Number(secs) * 1000;
  let n = 0, bad = 0;
  await Promise.all(Array.from({ length: Number(conns) }, async (_, c) => {
    for (let i = c; Date.now() < end; i += Number(conns)) {
      const r = await call('GET', paths[i % paths.length], null, auth);
      if (r.status === 200) n++; else bad++;
    }
  }));
  if (bad) throw new Error(`${bad} non-200 answers`);
  return n / Number(secs);
}

const certs = [];
for (let i = 0; i < Number(count); i++) {
  const r = await call('POST', '/v1/certificates', {
    kind: 'diploma',
    metadata: { student_name: `VC ${i}`, student_id: `V${i}`, degree: 'BSc', major: 'Physics', institution: 'Bench University', conferred_on: '2026-06-30' },
  }, true);
  if (r.status !== 201) throw new Error(`mint: ${r.status} ${r.text}`);
  certs.push(JSON.parse(r.text));
}
const cached = await rate(certs.map((c) => `/v1/verify/${c.code}/vc`), false);
const fresh = await rate(certs.map((c) => `/v1/certificates/${c.ddc_id}/vc`), true);
console.log(`VCs served per second: ${cached.toFixed(0)} cached (GET /v1/verify/{code}/vc), ` +
  `${fresh.toFixed(0)} not cached (GET /v1/certificates/{ddc_id}/vc, signed each time); ${conns} connections`);
