// cluster.mjs: a primary PostgreSQL with streaming replicas of a suite's own (scripts/pg.sh into a
// temporary directory next to the test logs), for the replica and failover suites, which stop,
// pause, kill and promote servers that other suites must not share. Everything is destroyed at the
// end, also when the suite's process exits early.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runDdcd } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG = path.join(ROOT, 'scripts/pg.sh');
const pg = (...args) => execFileSync(PG, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();

// Starts a primary in <work>/pg, migrated and initialised for ddcd (with extra settings in env, e.g.
// the DDC_LOG_ORIGIN its log key is made for), and returns
// {work, dir(name), url(name), sql(name, query), replica(name, opts), promote(name), stop(name),
//  kill(name), env (for startDdcd), op (the operator's key), destroy()}.
export async function cluster(tag, extra = {}) {
  const parent = process.env.DDC_TEST_LOGS ? path.dirname(process.env.DDC_TEST_LOGS) : os.tmpdir();
  let work = fs.mkdtempSync(path.join(parent, `ddcd-${tag}.`));
  fs.chmodSync(work, 0o711); // the server's user must reach the clusters
  const names = ['pg'];
  const dir = (name) => path.join(work, name);
  function destroy() {
    if (!work) return;
    for (const n of names) {
      try { pg('destroy', dir(n)); } catch { /* the others all the same */ }
    }
    fs.rmSync(work, { recursive: true, force: true });
    work = null;
  }
  process.on('exit', destroy);
  pg('start', dir('pg'), '--fast');
  const url = (name) => pg('url', dir(name));
  const data = path.join(work, 'data');
  const env = { DDC_DATABASE_URL: url('pg'), DDC_DATA_DIR: data, DDC_MASTER_KEY_FILE: path.join(data, 'master.key'),
    DDC_PUBLIC_RATE: '0', ...extra };
  for (const cmd of ['migrate', 'init']) {
    const r = await runDdcd([cmd], env);
    assert.equal(r.code, 0, `ddcd ${cmd}: ${r.stderr}`);
  }
  return {
    get work() { return work; },
    dir, url, env, destroy,
    op: fs.readFileSync(path.join(data, 'operator.key'), 'utf8').trim(),
    sql: (name, q) => execFileSync('psql', [url(name), '-qXAtc', q]).toString().trim(),
    // a streaming replica of the primary in <work>/pg (sync: the name it is its synchronous standby by)
    replica(name, { sync } = {}) {
      if (!names.includes(name)) names.push(name);
      pg('replica', dir(name), dir('pg'), ...(sync ? ['--sync', sync] : []));
    },
    start: (name) => (name === 'pg' ? pg('start', dir(name)) : pg('replica', dir(name), dir('pg'))),
    stop: (name) => pg('stop', dir(name)),
    // resolves once it is a primary; the event loop (ddcd's clients) runs on meanwhile
    promote: (name) => new Promise((resolve, reject) =>
      execFile(PG, ['promote', dir(name)], (err) => (err ? reject(err) : resolve()))),
    // kill -9 of the postmaster and every server process of the cluster, at once
    kill(name) {
      const pids = pg('pids', dir(name)).split('\n').filter(Boolean).map(Number);
      for (const p of pids) {
        try { process.kill(p, 'SIGKILL'); } catch { /* gone already */ }
      }
      return pids.length;
    },
  };
}
