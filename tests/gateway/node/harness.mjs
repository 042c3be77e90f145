// The processes the gateway tests run against: the project's OpenRouter simulator and `moltbot serve`, each started
// on port 0 and stopped by its PID (SIGTERM, then SIGKILL after a bounded wait), plus small helpers for the
// simulator's control API. Nothing here waits without a bound.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const buildRoot = process.env.MOLTBOT_BUILD_ROOT ?? resolve(here, '../../../build');

export const MOLTBOT_BIN = process.env.MOLTBOT_BIN ?? join(buildRoot, 'host/moltbot');
export const SIMULATOR_BIN = process.env.MOLTBOT_SIMULATOR ?? join(buildRoot, 'tests/simulator/openrouter-sim');
// The simulator's default user key (tests/simulator/README.md).
export const SIM_KEY = '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';

// Under a sanitizer or on a loaded machine everything is slower; MOLTBOT_TEST_TIME_SCALE stretches every bound.
export const TIME_SCALE = Number(process.env.MOLTBOT_TEST_TIME_SCALE ?? 1) || 1;
export const ms = (n) => Math.round(n * TIME_SCALE);

// Every child still running when node exits (a crash, a failed hook) is killed. The children stay in the test's
// process group, so a runner that kills the group (meson's timeout) takes them along too; a SIGTERM or SIGINT to this
// process kills them before it goes.
const live = new Set();
const stateDirs = new Set();  // removed on the way out too
const killAll = () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
};
process.on('exit', killAll);
for (const [signal, number] of [['SIGTERM', 15], ['SIGINT', 2], ['SIGHUP', 1]]) {
  process.on(signal, () => {
    killAll();
    process.exit(128 + number);
  });
}

export const sleep = (n) => new Promise((done) => setTimeout(done, n));

// Starts `command args` and resolves once `readyPattern` matches its `readyStream` (its first
// capture group is the URL; the pattern must take a whole line, as output can arrive a piece at a time). The output
// is kept (`out()`, `err()`), without bound on purpose: the tests search it.
export function startProcess({ command, args, env, readyStream, readyPattern, name, startTimeoutMs = ms(20000) }) {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  const output = { stdout: '', stderr: '' };
  let exited = null;
  const exitPromise = new Promise((done) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      done(exited);
    });
  });
  child.on('error', () => {}); // a spawn failure also ends in 'exit' or the start timeout
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');

  const stop = async (signal = 'SIGTERM', timeoutMs = ms(10000)) => {
    if (exited) return exited;
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
    const result = await Promise.race([exitPromise, sleep(timeoutMs).then(() => null)]);
    if (result) return result;
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    const killed = await Promise.race([exitPromise, sleep(ms(5000)).then(() => null)]);
    return { ...(killed ?? { code: null, signal: 'SIGKILL' }), forced: true };
  };

  const handle = {
    child,
    pid: child.pid,
    out: () => output.stdout,
    err: () => output.stderr,
    exited: () => exited,
    exitPromise,
    stop,
  };

  return new Promise((resolveStart, rejectStart) => {
    let settled = false;
    const fail = async (why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      await stop('SIGKILL', ms(2000));
      rejectStart(new Error(`${name}: ${why}\n--- stdout ---\n${output.stdout}\n--- stderr ---\n${output.stderr}`));
    };
    const check = () => {
      if (settled) return;
      const match = readyPattern.exec(output[readyStream]);
      if (match) {
        settled = true;
        clearTimeout(timer);
        handle.url = match[1];
        resolveStart(handle);
      }
    };
    const timer = setTimeout(() => fail(`not ready after ${startTimeoutMs} ms`), startTimeoutMs);
    child.stdout.on('data', (text) => {
      output.stdout += text;
      check();
    });
    child.stderr.on('data', (text) => {
      output.stderr += text;
      check();
    });
    exitPromise.then(({ code, signal }) => fail(`exited (code ${code}, signal ${signal}) before it was ready`));
    child.on('error', (error) => fail(`could not start ${command}: ${error.message}`));
  });
}

// The environment a child gets: nothing of the caller's but PATH and sanitizer options, so a developer's own
// OPENROUTER_API_KEY or ~/.moltbot can never leak in.
function baseEnv(extra) {
  const env = { LANG: 'C.UTF-8', PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const name of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'TSAN_OPTIONS', 'MOLTBOT_PLUGIN_PATH']) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export class Simulator {
  static async start({ keys = [], args = [] } = {}) {
    const flags = ['--port', '0', '--exit-on-stdin-eof', ...keys.flatMap((key) => ['--key', key]), ...args];
    const proc = await startProcess({
      name: 'openrouter-sim',
      command: SIMULATOR_BIN,
      args: flags,
      env: baseEnv({}),
      readyStream: 'stdout',
      readyPattern: /^listening on (http:\/\/\S+?)\r?\n/m,
    });
    return new Simulator(proc);
  }

  constructor(proc) {
    this.proc = proc;
    this.url = proc.url;
    this.baseUrl = `${proc.url}/api/v1`;
  }

  async control(method, path, body) {
    const response = await fetch(`${this.url}/_sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(ms(10000)),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${method} /_sim/${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  faults(list) {
    return this.control('POST', 'faults', list);
  }

  clearFaults() {
    return this.control('DELETE', 'faults');
  }

  async requests() {
    return (await this.control('GET', 'requests')).data;
  }

  async chatRequests() {
    return (await this.requests()).filter((request) => request.path.endsWith('/chat/completions'));
  }

  // The chat requests whose body mentions `marker` (each test's prompts carry a unique one), in order.
  async wire(marker) {
    return (await this.chatRequests()).filter((request) => JSON.stringify(request.body).includes(marker));
  }

  async stop() {
    try {
      this.proc.child.stdin.end();
    } catch {
      // already closed
    }
    return this.proc.stop();
  }
}

export class Gateway {
  // Starts `moltbot serve --port 0` with a fresh state folder holding `config` (JSON5 text) as moltbot.json.
  static async start({ simulator, key = SIM_KEY, config, args = [], env = {} }) {
    const state = await mkdtemp(join(tmpdir(), 'moltbot-gateway-test-'));
    stateDirs.add(state);
    try {
      await writeFile(join(state, 'moltbot.json'), config);
      const proc = await startProcess({
        name: 'moltbot serve',
        command: MOLTBOT_BIN,
        args: ['serve', '--port', '0', ...args],
        env: baseEnv({
          HOME: state,
          MOLTBOT_STATE_DIR: state,
          OPENROUTER_API_KEY: key,
          OPENROUTER_BASE_URL: simulator.baseUrl,
          ...env,
        }),
        readyStream: 'stderr',
        readyPattern: /^moltbot: listening on (http:\/\/\S+?)\r?\n/m,
      });
      return new Gateway(proc, state);
    } catch (error) {
      await rm(state, { recursive: true, force: true });
      stateDirs.delete(state);
      throw error;
    }
  }

  constructor(proc, state) {
    this.proc = proc;
    this.state = state;
    this.url = proc.url;
    this.v1 = `${proc.url}/v1`;
  }

  log() {
    return this.proc.err();
  }

  // Sends a signal to the server process itself (not its group).
  signal(name) {
    process.kill(this.proc.pid, name);
  }

  // How many established TCP connections this server process holds to `port` on loopback (Linux: its socket inodes
  // in /proc/PID/fd, matched against /proc/net/tcp). Its upstream connections, when `port` is the simulator's.
  connectionsTo(port) {
    const inodes = new Set();
    for (const fd of readdirSync(`/proc/${this.proc.pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${this.proc.pid}/fd/${fd}`);
        const socket = /^socket:\[(\d+)\]$/.exec(target);
        if (socket) inodes.add(socket[1]);
      } catch {
        // closed meanwhile
      }
    }
    let count = 0;
    for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const remotePort = parseInt(fields[2].split(':')[1], 16);
      if (fields[3] === '01' && remotePort === port && inodes.has(fields[9])) count += 1;
    }
    return count;
  }

  writeConfig(text) {
    return writeFile(join(this.state, 'moltbot.json'), text);
  }

  // A plain HTTP request, as curl would send it: { status, headers, text, json }.
  async request(method, path, { body, headers = {}, timeoutMs = ms(60000) } = {}) {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: Object.fromEntries(response.headers), text, json };
  }

  // Sends `first`, waits for its answer, then sends `second` on the same TCP connection (raw bytes, keep-alive);
  // returns the answers that came back, in order: [{ status, connection, body }].
  async twoOnOneConnection(first, second, waitMs = ms(3000)) {
    const { port, hostname } = new URL(this.url);
    const socket = net.connect(Number(port), hostname);
    let received = '';
    let closed = false;
    socket.on('data', (data) => {
      received += data.toString('latin1');
    });
    socket.on('close', () => {
      closed = true;
    });
    socket.on('error', () => {});
    const waitFor = async (done) => {
      for (const deadline = Date.now() + waitMs; Date.now() < deadline && !done() && !closed; ) await sleep(20);
    };
    try {
      await new Promise((connected, failed) => {
        socket.once('connect', connected);
        socket.once('error', failed);
      });
      socket.write(first);
      await waitFor(() => parseResponses(received).length >= 1);
      if (!closed) {
        socket.write(second);
        await waitFor(() => parseResponses(received).length >= 2);
      }
      return parseResponses(received);
    } finally {
      socket.destroy();
    }
  }

  async stop() {
    try {
      return await this.proc.stop();
    } finally {
      await rm(this.state, { recursive: true, force: true });
      stateDirs.delete(this.state);
    }
  }
}

// The complete HTTP/1.1 responses (with a Content-Length) at the start of `text`.
function parseResponses(text) {
  const responses = [];
  for (let at = 0; ; ) {
    const headEnd = text.indexOf('\r\n\r\n', at);
    if (headEnd < 0) return responses;
    const head = text.slice(at, headEnd);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!status || !length) return responses;
    const end = headEnd + 4 + Number(length[1]);
    if (text.length < end) return responses;
    const connection = /\r\nconnection: *([^\r]*)/i.exec(head);
    responses.push({ status: Number(status[1]), connection: connection?.[1], body: text.slice(headEnd + 4, end) });
    at = end;
  }
}

// A marker unique to one test, put into its prompts so its requests can be found in the simulator's log.
let markers = 0;
export function marker(name) {
  markers += 1;
  return `${name}-${process.pid}-${markers}-${Math.random().toString(36).slice(2, 8)}`;
}

// The simulator's answer for a prompt (tests/simulator/README.md, "The answer").
export const simAnswer = (slug, provider, text) => `[${slug} via ${provider}] You said: ${text}`;
export const simToolAnswer = (slug, provider, text) => `[${slug} via ${provider}] The tool returned: ${text}`;
// The simulator's token count: ceil(bytes / 4).
export const simTokens = (text) => Math.max(1, Math.ceil(Buffer.byteLength(text, 'utf8') / 4));
