// slowflood.mjs: a slow-connection attacker for slow_clients.test.mjs, run as its own process so
// that each holds fewer sockets than a default open-files limit allows.
// node slowflood.mjs PORT LOCAL_ADDRESS N BYTE_MS RECONNECT_MS
// Opens N connections to 127.0.0.1:PORT from LOCAL_ADDRESS; each sends a partial request head and
// then one more byte every BYTE_MS, and is opened again RECONNECT_MS after it is closed. Prints
// "ready" once every first attempt has connected or failed; on SIGTERM prints its counts as JSON
// ({connects, closes}) and exits.
import net from 'node:net';

const [port, localAddress, n, byteMs, reconnectMs] = process.argv.slice(2);
const counts = { connects: 0, closes: 0 };
let settled = 0, stopping = false;

function open(first) {
  const s = net.connect({ host: '127.0.0.1', port: Number(port), localAddress });
  let timer, done = false;
  const settle = () => { if (first && !done && ++settled === Number(n)) console.log('ready'); done = true; };
  s.on('connect', () => {
    counts.connects++;
    settle();
    s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    timer = setInterval(() => s.write('X'), Number(byteMs));
  });
  s.on('error', () => {});
  s.on('close', () => {
    settle();
    clearInterval(timer);
    counts.closes++;
    if (!stopping) setTimeout(() => open(false), Number(reconnectMs));
  });
}

for (let i = 0; i < Number(n); i++) open(true);
process.on('SIGTERM', () => {
  stopping = true;
  console.log(JSON.stringify(counts));
  process.exit(0);
});
