// batch.mjs: for `make bench`, one batch import timed from the client's side: the CSV file is
// streamed to POST /v1/batches?kind=diploma, then GET /v1/batches/{id} and GET /v1/log/checkpoint
// are polled every POLL_MS on one keep-alive connection (a process per poll would take CPU from
// the run being measured) until the batch is completed and the log has grown by its rows.
// Prints "upload S completed S anchored S rows N" in seconds from the start of the upload.
//   node batch.mjs BASE_URL KEY CSV_FILE POLL_MS
import fs from 'node:fs';
import http from 'node:http';

const [base, key, file, pollMs] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body, type) {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${key}` };
    if (type) headers['content-type'] = type;
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    if (body) body.pipe(req);
    else req.end();
  });
}

async function logSize() {
  const r = await call('GET', '/v1/log/checkpoint');
  if (r.status === 404) return 0; // an empty log
  if (r.status !== 200) throw new Error(`checkpoint: ${r.status} ${r.text}`);
  return Number(r.text.split('\n')[1]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

const before = await logSize();
const t0 = process.hrtime.bigint();
const up = await call('POST', '/v1/batches?kind=diploma', fs.createReadStream(file), 'text/csv');
if (up.status !== 202) throw new Error(`upload: ${up.status} ${up.text}`);
const uploaded = since(t0);
const id = JSON.parse(up.text).batch_id;
let batch;
for (;;) {
  const r = await call('GET', `/v1/batches/${id}`);
  batch = JSON.parse(r.text);
  if (batch.state === 'completed') break;
  if (batch.state !== 'running' && batch.state !== 'quoted') throw new Error(`batch: ${r.text}`);
  await sleep(Number(pollMs));
}
const completed = since(t0);
while ((await logSize()) < before + batch.rows_done) await sleep(Number(pollMs));
const anchored = since(t0);
console.log(`upload ${uploaded.toFixed(2)} completed ${completed.toFixed(2)} ` +
  `anchored ${anchored.toFixed(2)} rows ${batch.rows_done}`);
agent.destroy();
