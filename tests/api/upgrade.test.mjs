// upgrade.test.mjs: a database written by the previous release (tests/upgrade/release-*/, made
// with its own migrations 001..015 and holding certificates) is migrated by this ddcd: its tables
// and data stay as they were, its functions, views and triggers become exactly those of
// sql/functions/ (the same schema as a new database's), its certificates verify as before and
// new ones can be minted. A second migrate changes nothing; a changed functions hash makes migrate
// reload them, and serve and /readyz refuse until it does. The suite runs its own throwaway
// PostgreSQL cluster, destroyed at the end even when a test fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDdcd, startDdcd, request, until } from './lib.mjs';

const FIXTURE = 'tests/upgrade/release-0fddd37';
// Functions made or changed on purpose since that release (by name): one writer of the mint
// event's text (ddc_mint takes it from ddcd; ddc_event_insert), one signing-key check
// (ddc_mint_key_check, called by ddc_mint and ddc_batch_commit).
const certs = JSON.parse(fs.readFileSync(`${FIXTURE}/certificates.json`, 'utf8'));
let work, cluster, dataDir;
const url = (db) => `${execFileSync('scripts/pg.sh', ['url', cluster]).toString().trim().replace(/dbname=\S+/, '')} dbname=${db}`;
const psql = (db, q) => execFileSync('psql', [url(db), '-qXAt', '-v', 'ON_ERROR_STOP=1', '-c', q],
  { env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } }).toString().trim();
const env = (db) => ({ DDC_DATABASE_URL: url(db), DDC_DATA_DIR: dataDir, DDC_MASTER_KEY_FILE: path.join(dataDir, 'master.key') });
// pg_dump of a database: its schema (functions, views and triggers included) or its data.
const dump = (db, what, ...more) => execFileSync('pg_dump', [`--${what}-only`, '--no-owner', '--no-privileges', ...more, url(db)],
  { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }).toString().replace(/^\\(un)?restrict .*$/gm, '');
// The dump's objects by their "-- Name: ...; Type: ..." header.
function objects(text) {
  const m = new Map();
  for (const part of text.split(/^--\n-- (?=Name: )/m).slice(1)) m.set(part.slice(0, part.indexOf('\n')), part);
  return m;
}
// Restores the fixture into a new database db.
function restore(db) {
  psql('postgres', `CREATE DATABASE ${db}`);
  execFileSync('psql', [url(db), '-qX', '-v', 'ON_ERROR_STOP=1', '-f', `${FIXTURE}/dump.sql`],
    { env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' } });
}

before(() => {
  // beside the runner's logs when there are some, so that tests/run.sh's clean-up finds it too
  const base = process.env.DDC_TEST_LOGS ? path.dirname(process.env.DDC_TEST_LOGS) : os.tmpdir();
  work = fs.mkdtempSync(path.join(base, 'upgrade-'));
  fs.chmodSync(work, 0o711); // the server user must reach the cluster
  cluster = path.join(work, 'pg');
  execFileSync('scripts/pg.sh', ['start', cluster, '--fast'], { stdio: 'ignore' });
  dataDir = path.join(work, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  for (const f of fs.readdirSync(`${FIXTURE}/data`)) {
    fs.copyFileSync(`${FIXTURE}/data/${f}`, path.join(dataDir, f));
    fs.chmodSync(path.join(dataDir, f), 0o600);
  }
  restore('released');
});

after(() => {
  if (cluster) execFileSync('scripts/pg.sh', ['destroy', cluster], { stdio: 'ignore' });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

// The schema version this build migrates to: the highest sql/schema/NNN_*.sql.
const VERSIONS = fs.readdirSync('sql/schema').filter((f) => /^\d{3}_.*\.sql$/.test(f)).map((f) => Number(f.slice(0, 3)));
const LATEST = Math.max(...VERSIONS);
// Migrations after the release's 15 (numbers are reserved per change, so there may be gaps).
const AFTER = VERSIONS.filter((v) => v > 15).length;
const applied = (n) => `${n} migration${n === 1 ? '' : 's'} applied`;
// Every row of every table of the release, as the release's own columns hold it (later migrations
// may add columns and rows of their own; they must not change or lose a released row).
function releasedRows(db, tables) {
  const q = tables.map(([t, cols], i) => `SELECT ${i} AS n, coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '') AS rows FROM (SELECT ${cols} FROM ${t}) r`);
  const out = JSON.parse(psql(db, `SELECT json_agg(rows ORDER BY n) FROM (${q.join(' UNION ALL ')}) x`));
  return new Map(tables.map(([t], i) => [t, out[i]]));
}

test('the release database is migrated: released rows unchanged, later migrations applied, functions reloaded, the same as a new database', async () => {
  const tables = psql('released', `SELECT string_agg(table_name || ' ' || cols, E'\\n') FROM (SELECT table_name,
      string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) AS cols FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')
      GROUP BY table_name) x`).split('\n').map((l) => l.split(' '));
  const before = releasedRows('released', tables);
  const refused = await runDdcd(['serve', '--listen', '127.0.0.1:0'], env('released'));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /(functions are not this ddcd's|schema is at version 15).*run `ddcd migrate`/);

  const m = await runDdcd(['migrate'], env('released'));
  assert.equal(m.code, 0, m.stderr);
  assert.match(m.stdout, new RegExp(`schema at version ${LATEST} \\(${applied(AFTER)}\\), functions [0-9a-f]{12} loaded`));
  const after = releasedRows('released', tables);
  for (const [t] of tables) {
    const now = new Set(after.get(t).split('\n'));
    const lost = before.get(t).split('\n').filter((r) => r && !now.has(r));
    assert.deepEqual(lost, [], `rows of ${t} changed or lost`);
  }
  assert.equal(psql('released', 'SELECT count(*) FROM certificates'), String(certs.length));

  psql('postgres', 'CREATE DATABASE fresh');
  const f = await runDdcd(['migrate'], env('fresh'));
  assert.equal(f.code, 0, f.stderr);
  assert.match(f.stdout, new RegExp(`\\(${applied(AFTER + 1)}\\), functions [0-9a-f]{12} loaded`));
  // The fixture went through pg_dump and psql, which rewrites a few CHECK texts (parentheses):
  // compare after the same round trip.
  psql('postgres', 'CREATE DATABASE fresh_copy');
  execFileSync('psql', [url('fresh_copy'), '-qX', '-v', 'ON_ERROR_STOP=1'], {
    input: execFileSync('pg_dump', ['--no-owner', '--no-privileges', url('fresh')], { maxBuffer: 64 << 20 }),
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
  });
  assert.ok(dump('fresh_copy', 'schema') === dump('released', 'schema'), 'a new database differs from the upgraded one');
  assert.equal(psql('fresh', 'SELECT max(version) FROM ddc_schema'), String(LATEST));
  for (const q of ["SELECT string_agg(code || ':' || exponent, ',' ORDER BY code) FROM currencies",
    "SELECT string_agg(operation || ':' || amount_minor || currency, ',' ORDER BY operation) FROM prices WHERE issuer_id IS NULL"]) {
    assert.equal(psql('fresh', q), psql('released', q));
  }
});

test('the release certificates verify as before, offline too, and new mints work', async () => {
  const srv = await startDdcd({ env: env('released') });
  try {
    assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
    const logKey = (await request(srv.base, 'GET', '/v1/log/key')).text.trim();
    assert.deepEqual(certs.map((c) => c.result), ['valid', 'valid', 'revoked', 'frozen', 'valid']);
    for (const c of certs) {
      const v = await request(srv.base, 'GET', `/v1/verify/${c.code}`);
      assert.equal(v.status, 200);
      assert.equal(v.json.result, c.result, `${c.code}: ${JSON.stringify(v.json.checks.filter((x) => !x.ok))}`);
      const file = path.join(work, `${c.code}.json`);
      fs.writeFileSync(file, (await request(srv.base, 'GET', `/v1/verify/${c.code}/bundle`)).text);
      const r = await runDdcd(['verify', file, '--log-key', logKey]);
      assert.match(r.stdout, new RegExp(`^result: ${c.result}$`, 'm'), r.stdout + r.stderr);
    }
    const key = fs.readFileSync(path.join(dataDir, 'demo-issuer.key'), 'utf8').trim();
    const mint = await request(srv.base, 'POST', '/v1/certificates', { key,
      json: { kind: 'generic', external_ref: 'after-upgrade', metadata: { title: 'After the upgrade' } } });
    assert.equal(mint.status, 201, mint.text);
    assert.ok(mint.json.ddc_id > certs.length);
    const v = await until('the new certificate in the log', async () => {
      const r = await request(srv.base, 'GET', `/v1/verify/${mint.json.code}`);
      return r.json.result !== 'not_yet_anchored' && r.json;
    });
    assert.equal(v.result, 'valid');
  } finally {
    await srv.stop();
  }
});

test('a second migrate is a no-op; a changed functions hash is refused by serve and readyz until migrate reloads', async () => {
  const loaded = psql('released', 'SELECT hash || loaded_at FROM ddc_schema_functions');
  const schema = dump('released', 'schema');
  const again = await runDdcd(['migrate'], env('released'));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /\(0 migrations applied\), functions [0-9a-f]{12} current/);
  assert.equal(psql('released', 'SELECT hash || loaded_at FROM ddc_schema_functions'), loaded);

  const srv = await startDdcd({ env: env('released') });
  try {
    psql('released', "UPDATE ddc_schema_functions SET hash = 'edited'");
    const r = await request(srv.base, 'GET', '/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.json.code, 'schema_outdated');
    const refused = await runDdcd(['serve', '--listen', '127.0.0.1:0'], env('released'));
    assert.equal(refused.code, 1);
    const m = await runDdcd(['migrate'], env('released')); // with a ddcd serving: its sessions wait
    assert.equal(m.code, 0, m.stderr);
    assert.match(m.stdout, /functions [0-9a-f]{12} loaded/);
    assert.equal((await request(srv.base, 'GET', '/readyz')).status, 200);
    assert.equal((await request(srv.base, 'GET', `/v1/verify/${certs[0].code}`)).json.result, 'valid');
  } finally {
    await srv.stop();
  }
  assert.ok(dump('released', 'schema') === schema, 'the reload changed the schema');
  assert.notEqual(psql('released', 'SELECT hash || loaded_at FROM ddc_schema_functions'), loaded);
});

test('migrate refuses, changing nothing, a database older than the baseline and a reload that would drop a column default', async () => {
  restore('older');
  psql('older', 'DELETE FROM ddc_schema WHERE version = 15');
  const old = await runDdcd(['migrate'], env('older'));
  assert.equal(old.code, 1);
  assert.match(old.stderr, /schema 14, older than this ddcd's baseline \(15\): upgrade it with the previous release first/);
  assert.equal(psql('older', "SELECT to_regclass('ddc_schema_functions') IS NULL"), 't');

  psql('older', "INSERT INTO ddc_schema (version, name) VALUES (15, '015_quiet_refusals')");
  psql('older', 'ALTER TABLE accounts ADD COLUMN seen text DEFAULT ddc_ts(now())');
  const dep = await runDdcd(['migrate'], env('older'));
  assert.equal(dep.code, 1);
  assert.match(dep.stderr, /cannot reload the functions: default value for column seen of table accounts depends on them/);
  assert.equal(psql('older', "SELECT to_regclass('ddc_schema_functions') IS NULL"), 't');
  assert.equal(psql('older', "SELECT count(*) FROM pg_proc WHERE proname = 'ddc_key_lock_class'"), '1');
});
