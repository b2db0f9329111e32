// keel's dashboard: signs in with HTTP Digest (RFC 7616, SHA-256, qop=auth) answered here in
// JavaScript — every request carries X-NeedAuthenticationHack, so httpd puts its challenge in
// X-WWW-Authenticate and the browser shows no prompt of its own. What the user typed stays in
// this page's memory only (never stored); reloading the page forgets it.
"use strict";

let cred = null;          // { user, pass }
let chal = null;          // the server's challenge: realm, nonce, opaque, algorithm
let nc = 0;               // requests made with chal's nonce
let lastCpu = {};         // cpu -> { busy, idle } at the previous poll
let timer = null;

function pickChallenge(header) {
  // Several challenges may arrive joined by ", "; take the SHA-256 one.
  for (const part of header.split(/,\s*(?=Digest\s)/i)) {
    const m = /^Digest\s+(.*)$/i.exec(part.trim());
    if (!m) continue;
    const p = {};
    for (const kv of m[1].matchAll(/([a-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/gi))
      p[kv[1].toLowerCase()] = kv[2] !== undefined ? kv[2].replace(/\\(.)/g, "$1") : kv[3];
    if ((p.algorithm || "MD5").toUpperCase() === "SHA-256") return p;
  }
  return null;
}

function randomHex(n) {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return Array.from(a, b => b.toString(16).padStart(2, "0")).join("");
}

function authorization(method, uri) {
  const ncHex = (++nc).toString(16).padStart(8, "0");
  const cnonce = randomHex(16);
  const ha1 = sha256hex(`${cred.user}:${chal.realm}:${cred.pass}`);
  const ha2 = sha256hex(`${method}:${uri}`);
  const response = sha256hex(`${ha1}:${chal.nonce}:${ncHex}:${cnonce}:auth:${ha2}`);
  const q = s => '"' + s.replace(/["\\]/g, "\\$&") + '"';
  return `Digest username=${q(cred.user)}, realm=${q(chal.realm)}, uri=${q(uri)}, ` +
         `algorithm=SHA-256, nonce=${q(chal.nonce)}, nc=${ncHex}, cnonce=${q(cnonce)}, ` +
         `qop=auth, response=${q(response)}, opaque=${q(chal.opaque || "")}`;
}

// One API call; answers the challenge (and a stale nonce) itself. Resolves to the Response.
async function api(method, uri, body) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const headers = { "X-NeedAuthenticationHack": "1" };
    const signed = chal !== null;
    if (signed) headers["Authorization"] = authorization(method, uri);
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(uri, { method, headers, cache: "no-store",
                                 body: body === undefined ? undefined : JSON.stringify(body) });
    if (r.status !== 401) return r;
    const c = pickChallenge(r.headers.get("X-WWW-Authenticate") || "");
    if (!c) return r;
    chal = c;
    nc = 0;
    if (signed && c.stale !== "true") return r;   // the user name or password is wrong
  }
  throw new Error("the server keeps refusing the nonce");
}

async function getJson(uri) {
  const r = await api("GET", uri);
  if (!r.ok) throw new Error(`${uri}: ${r.status}`);
  return r.json();
}

const el = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);

function showCpus(d) {
  el("cpus").innerHTML = d.cpus.map(c => {
    const prev = lastCpu[c.cpu] || { busy: 0, idle: 0 };
    const db = c.busy_ms - prev.busy, di = c.idle_ms - prev.idle;
    const pct = db + di > 0 ? Math.round(100 * db / (db + di)) : 0;
    lastCpu[c.cpu] = { busy: c.busy_ms, idle: c.idle_ms };
    const extra = c.ctx_switches !== undefined ?
      ` — ${c.ctx_switches} switches, ${c.interrupts} interrupts, ${c.nm_traps} #NM, ` +
      `${c.tlb_shootdowns} shootdowns, ${c.tlb_full_flushes + c.tlb_pages_flushed} TLB flushes` : "";
    return `<div class="cpu" data-cpu="${c.cpu}">cpu${c.cpu}: ${pct}%${extra}` +
           `<div class="bar"><div style="width:${pct}%"></div></div></div>`;
  }).join("");
  el("tlb").textContent = d.tlb ? `TLB: ${d.tlb.shootdowns} shootdowns, ` +
    `${d.tlb.full_flushes} full flushes, ${d.tlb.pages_flushed} pages flushed (${d.tlb.mode})` : "";
}

function showMemory(m) {
  const used = m.total_kb - m.available_kb;
  const pct = m.total_kb > 0 ? Math.round(100 * used / m.total_kb) : 0;
  el("memory").innerHTML = `${used} kB used of ${m.total_kb} kB (${m.free_kb} kB free)` +
    `<div class="bar"><div style="width:${pct}%"></div></div>`;
}

function showNet(n) {
  el("net").tBodies[0].innerHTML = n.interfaces.map(i =>
    `<tr><td>${esc(i.name)}</td><td>${esc(i.ipv4 || "")}</td><td>${i.rx_bytes}</td>` +
    `<td>${i.tx_bytes}</td><td>${i.rx_packets}</td><td>${i.tx_packets}</td></tr>`).join("");
}

// Rows are kept per pid and only their cells' text changes, so a kill button under the
// pointer is never replaced between press and release (a redraw would swallow the click).
function showProcs(p) {
  const body = el("procs").tBodies[0];
  const rows = new Map(Array.from(body.rows, r => [r.dataset.pid, r]));
  const list = p.processes.sort((a, b) => a.pid - b.pid);
  list.forEach((x, i) => {
    const pid = String(x.pid);
    let row = rows.get(pid);
    if (!row) {
      row = document.createElement("tr");
      row.dataset.pid = pid;
      for (let c = 0; c < 6; c++) row.insertCell();
      const b = document.createElement("button");
      b.className = "kill";
      b.dataset.pid = pid;
      b.textContent = "kill";
      row.insertCell().appendChild(b);
    }
    rows.delete(pid);
    const text = [pid, x.name, x.state, x.threads, x.rss_kb, x.utime_ms + x.stime_ms];
    text.forEach((t, c) => {
      if (row.cells[c].textContent !== String(t)) row.cells[c].textContent = t;
    });
    row.cells[1].className = "name";
    if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] || null);
  });
  rows.forEach(r => r.remove());
}

async function refresh() {
  try {
    const [sys, cpus, mem, net, procs] = await Promise.all(["system", "cpus", "memory", "net",
      "processes"].map(r => getJson(`/api/v1/${r}`)));
    el("sysline").textContent = `${sys.kernel} ${sys.release} on ${sys.hostname} — up ` +
      `${Math.floor(sys.uptime)} s, load ${sys.load.join(" ")}, ${sys.cpus} CPUs`;
    showCpus(cpus);
    showMemory(mem);
    showNet(net);
    showProcs(procs);
    el("status").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    el("status").textContent = `update failed: ${e.message}`;
  }
}

el("login").addEventListener("submit", async ev => {
  ev.preventDefault();
  cred = { user: el("user").value, pass: el("pass").value };
  chal = null;
  const r = await api("GET", "/api/v1/system").catch(e => ({ status: 0, e }));
  if (r.status !== 200) {
    cred = null;
    el("loginerror").textContent = r.status === 401 ? "wrong user name or password"
                                                    : `sign-in failed (${r.status})`;
    return;
  }
  el("pass").value = "";
  el("login").hidden = true;
  el("dash").hidden = false;
  await refresh();
  timer = setInterval(refresh, 1000);
});

el("procs").addEventListener("click", async ev => {
  const pid = ev.target.dataset && ev.target.dataset.pid;
  if (!pid || !ev.target.classList.contains("kill")) return;
  const r = await api("POST", `/api/v1/processes/${pid}/signal`, { signal: "TERM" });
  // #message keeps the outcome; #status is rewritten by every refresh
  el("message").textContent = r.ok ? `sent TERM to ${pid}` :
    `kill ${pid}: ${r.status} ${(await r.json().catch(() => ({}))).error || ""}`.trim();
  await refresh();
});
