// The console's page: panels filled from the console's JSON API, refreshed every few seconds, every
// control reachable from the keyboard (1-9 switch panels, / searches traces, r refreshes). Data is
// put in the page as text nodes only, never parsed as HTML: it comes from message bodies and logs.
"use strict";

const REFRESH_MS = 5000;
const PANELS = ["functions", "alarms", "queues", "schedules", "traces", "invocations", "map", "dashboard", "bill"];
const SERVICES = { lambda: "Lambda", apigateway: "API Gateway", dynamodb: "DynamoDB", sqs: "SQS", sns: "SNS",
  kinesis: "Kinesis Data Streams", states: "Step Functions", s3: "S3", logs: "CloudWatch Logs", cloudwatch: "CloudWatch",
  xray: "X-Ray", secretsmanager: "Secrets Manager", kms: "KMS" };
const PALETTE = ["#0969da", "#cf222e", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#0a7ea4", "#57606a"];
const SVG = "http://www.w3.org/2000/svg";
let current = null;
let about = {};
let timer = null;
let pendingTrace = null;  // a trace asked for from an invocation, shown by the traces panel

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "style") node.style.cssText = value;  // CSSOM: allowed by the page's CSP, unlike a style attribute
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A duration in seconds as an operator reads it: 45 s, 12 min, 3.5 h.
function age(seconds) {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

let heldUntil = 0;

// The status line; what an action did or what failed is held a while against the periodic reads.
function status(text, error = false, hold = error) {
  if (!hold && Date.now() < heldUntil) return;
  if (hold) heldUntil = Date.now() + 15000;
  const line = document.getElementById("status");
  line.textContent = text;
  line.classList.toggle("error", error);
}

async function api(path, method = "GET") {
  const answer = await fetch(path, { method, headers: method === "POST" ? { "X-Console": "1" } : {} });
  const body = await answer.json();
  if (!answer.ok) throw new Error(body.hint ? `${body.error} (${body.hint})` : body.error);
  return body;
}

const ROW_KEYS = ["function", "alarm", "queue", "rule", "request"];

// Redraw a table's rows, keeping the keyboard where it was: the same row, the same button.
function rows(panel, list, row) {
  const body = document.querySelector(`#${panel} tbody`);
  const focused = body.contains(document.activeElement) ? document.activeElement : null;
  const owner = focused?.closest("tr");
  const key = owner && ROW_KEYS.find((k) => owner.dataset[k] !== undefined);
  const label = focused?.tagName === "BUTTON" ? focused.textContent : null;
  body.replaceChildren(...list.flatMap(row));
  if (!key) return;
  const again = body.querySelector(`tr[data-${key}="${CSS.escape(owner.dataset[key])}"]`);
  const target = label ? [...(again?.querySelectorAll("button") || [])].find((b) => b.textContent === label) : again;
  target?.focus();
}

function spark(values, bad = false) {
  const width = 72, height = 18, slot = width / Math.max(values.length, 1);
  const top = Math.max(1, ...values.filter((v) => v !== null));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", bad ? "spark bad" : "spark");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("role", "img");
  const total = values.reduce((sum, v) => sum + (v || 0), 0);
  svg.setAttribute("aria-label", `last three hours: ${values.filter((v) => v !== null).length ? `${Math.round(total * 100) / 100} in all` : "no data"}`);
  values.forEach((v, i) => {
    if (v === null || v === 0) return;
    const bar = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    const h = Math.max(1, (v / top) * height);
    bar.setAttribute("x", i * slot);
    bar.setAttribute("y", height - h);
    bar.setAttribute("width", Math.max(1, slot - 0.5));
    bar.setAttribute("height", h);
    svg.append(bar);
  });
  return svg;
}

function liveText(fn) {
  if (!fn.live) return el("span", { class: "drift" }, "no live alias");
  const weights = Object.entries(fn.live.weights || {});
  if (!weights.length) return el("span", { "data-live": fn.live.version }, fn.live.version);
  const extra = weights.map(([v, w]) => `+${v} ${Math.round(w * 100)}%`).join(", ");
  return el("span", { class: "canary", "data-live": fn.live.version }, `${fn.live.version} (${extra}, canary)`);
}

const armedUntil = new Map();  // an action's key -> when its wait for a confirmation ends
const CONFIRM_MS = 5000;
const anyArmed = () => [...armedUntil.values()].some((until) => until > Date.now());

// A button that acts on its second press within a few seconds: the first one says what will happen.
// The waiting is kept by the action's key, so a redrawn row keeps it too.
function confirmButton(key, label, confirmLabel, action) {
  const armed = () => (armedUntil.get(key) || 0) > Date.now();
  const button = el("button", { type: "button" }, armed() ? confirmLabel : label);
  button.addEventListener("click", async () => {
    if (!armed()) {
      armedUntil.set(key, Date.now() + CONFIRM_MS);
      button.textContent = confirmLabel;
      setTimeout(() => { if (!armed()) button.textContent = label; }, CONFIRM_MS + 50);
      return;
    }
    armedUntil.delete(key);
    button.textContent = label;
    button.disabled = true;
    try { await action(); } catch (error) { status(error.message, true); }
    button.disabled = false;
  });
  return button;
}

// Sparklines are read once a minute (their bars are five minutes): GetMetricData is billed per metric on AWS.
const METRICS_EVERY_MS = 60000;
let metricsReadAt = 0;
let lastMetrics = null;

function drawSparklines(metrics) {
  for (const [name, series] of Object.entries(metrics.functions)) {
    const row = document.querySelector(`#functions tr[data-function="${CSS.escape(name)}"]`);
    if (!row) continue;
    for (const [metric, values] of Object.entries(series)) {
      row.querySelector(`td[data-metric="${metric}"]`)?.replaceChildren(spark(values, metric === "errors" || metric === "throttles"));
    }
  }
}

const LOADERS = {
  async functions() {
    const list = await api("/api/functions");
    rows("functions", list, (fn) => el("tr", { "data-function": fn.name },
      el("th", { scope: "row" }, fn.name),
      el("td", { class: "live" }, liveText(fn)),
      el("td", { class: "num" }, fn.published),
      el("td", { class: "num" }, `${fn.memory_mb} MB`),
      el("td", { class: "num" }, `${fn.timeout_s} s`),
      el("td", { class: "num" }, fn.provisioned),
      el("td", { title: fn.code_sha256 || "" }, (fn.code_sha256 || "").slice(0, 10)),
      ...["invocations", "errors", "throttles", "p99_ms"].map((m) => el("td", { "data-metric": m })),
      el("td", {}, confirmButton(`rollback:${fn.name}`, "Roll back", "Confirm roll back", async () => {
        const moved = await api(`/api/functions/${encodeURIComponent(fn.name)}/rollback`, "POST");
        await refresh();
        status(moved.after ? `${fn.name}: live moved from ${moved.before} to ${moved.after}` : `${fn.name}: already there`,
          false, true);
      })),
    ));
    if (Date.now() - metricsReadAt < METRICS_EVERY_MS && lastMetrics) { drawSparklines(lastMetrics); return; }
    metricsReadAt = Date.now();
    api("/api/metrics").then((metrics) => {  // after the first paint: CloudWatch is the slow part
      lastMetrics = metrics;
      drawSparklines(metrics);
    }).catch((error) => status(`metrics: ${error.message}`, true));
  },

  async alarms() {
    const list = await api("/api/alarms");
    rows("alarms", list, (alarm) => {
      const row = el("tr", { tabindex: "0", "data-alarm": alarm.name },
        el("td", { class: `state ${alarm.state}` }, alarm.state),
        el("th", { scope: "row" }, alarm.name),
        el("td", {}, alarm.metric),
        el("td", {}, alarm.since || ""),
        el("td", {}, alarm.reason));
      const show = async () => {
        const history = await api(`/api/alarms/${encodeURIComponent(alarm.name)}/history`);
        document.getElementById("alarm-history").replaceChildren(
          el("h2", {}, `History of ${alarm.name}`),
          el("ul", {}, history.map((h) => el("li", {}, `${h.at}: ${h.summary}`))));
      };
      row.addEventListener("click", show);
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") show(); });
      return row;
    });
    const firing = list.filter((a) => a.state === "ALARM").length;
    document.querySelector('nav button[data-panel="alarms"]').textContent = `2 Alarms${firing ? ` (${firing} firing)` : ""}`;
  },

  async queues() {
    const list = await api("/api/queues");
    rows("queues", list, (queue) => el("tr", { "data-queue": queue.key },
      el("th", { scope: "row" }, queue.name),
      el("td", { class: "num visible" }, queue.visible),
      el("td", { class: "num" }, queue.in_flight),
      el("td", { class: "num oldest" }, queue.oldest_age_s === null || queue.oldest_age_s === undefined ? "" : age(queue.oldest_age_s)),
      el("td", {}, queue.source || ""),
      el("td", {},
        queue.dead_letter_arn ? null : el("button", { type: "button", onclick: () => peek(queue) }, "Messages"),
        queue.source ? confirmButton(`redrive:${queue.key}`, "Redrive", `Confirm redrive to ${queue.source}`, async () => {
          const done = await api(`/api/queues/${encodeURIComponent(queue.key)}/redrive`, "POST");
          await refresh();
          status(`${done.queue}: ${done.moved} moved back to ${done.to}, ${done.left} left`, false, true);
        }) : null),
    ));
  },

  async bill() {
    const bill = await api("/api/bill");
    const money = (text, places = 2) => Number(text).toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places });
    const dates = [...new Set(Object.values(bill.prices).map((p) => p.date))].join(", ");
    document.getElementById("bill-basis").textContent = `${bill.environment} in ${bill.region}: usage measured on the emulator at ${bill.measured_at} (manifest ${bill.manifest_sha256.slice(0, 12)}), AWS list prices of ${dates}.`;
    const mostly = (parts) => {
      const total = Object.values(parts).reduce((a, b) => a + Number(b), 0);
      return Object.entries(parts).sort((a, b) => b[1] - a[1]).slice(0, 3).filter(([, v]) => total && v / total >= 0.05)
        .map(([s, v]) => `${SERVICES[s] || s} ${Math.round((100 * v) / total)}%`).join(", ");
    };
    const entries = [...bill.entry_points].sort((a, b) => b.monthly_usd - a.monthly_usd);
    document.querySelector("#bill-entries tbody").replaceChildren(...entries.map((e) => el("tr", { "data-entry": e.name },
      el("th", { scope: "row" }, e.name), el("td", { class: "num" }, money(e.per_1000_requests_usd, 4)),
      el("td", { class: "num" }, e.monthly_requests.toLocaleString("en-US")), el("td", { class: "num" }, money(e.monthly_usd)),
      el("td", {}, mostly(e.per_1000_by_service_usd)))));
    const services = Object.entries(bill.services).sort((a, b) => b[1] - a[1]);
    document.querySelector("#bill-services tbody").replaceChildren(
      ...services.map(([s, usd]) => el("tr", { "data-service": s }, el("th", { scope: "row" }, SERVICES[s] || s), el("td", { class: "num" }, money(usd)))),
      el("tr", {}, el("th", { scope: "row" }, "always-free allowances"), el("td", { class: "num" }, money(-bill.free_usd))),
      el("tr", { class: "total" }, el("th", { scope: "row" }, "estimated a month"), el("td", { class: "num" }, money(bill.net_usd))));
    const payers = Object.entries(bill.by_payer).sort((a, b) => b[1] - a[1]).filter(([, usd]) => Number(usd) >= 0.005);
    document.querySelector("#bill-payers tbody").replaceChildren(...payers.map(([payer, usd]) =>
      el("tr", { "data-payer": payer }, el("th", { scope: "row" }, payer), el("td", { class: "num" }, money(usd)))));
  },

  async schedules() {
    const list = await api("/api/schedules");
    rows("schedules", list, (rule) => el("tr", { "data-rule": rule.key },
      el("th", { scope: "row" }, rule.name),
      el("td", {}, rule.expression),
      el("td", {}, rule.state),
      el("td", {}, rule.targets.map((t) => t.split(":").slice(6).join(":")).join(", ")),
      el("td", {}, about.target === "emulator" ? el("button", { type: "button", onclick: async () => {
        try {
          const fired = await api(`/api/schedules/${encodeURIComponent(rule.key)}/fire`, "POST");
          status(`${fired.rule}: invoked ${fired.invoked.join(", ") || "nothing"}`, false, true);
        } catch (error) { status(error.message, true); }
      } }, "Fire now") : null),
    ));
  },

  async traces() {
    const correlation = document.getElementById("correlation").value.trim();
    const query = pendingTrace ? `trace_id=${encodeURIComponent(pendingTrace)}` : `correlation_id=${encodeURIComponent(correlation)}`;
    pendingTrace = null;
    const traces = await api(`/api/traces?${query}`);
    const box = document.getElementById("waterfalls");
    if (!traces.length) {
      box.replaceChildren(el("p", {}, correlation ? `No trace with correlation id ${correlation} yet.` : "No traces yet: send a request."));
      return;
    }
    box.replaceChildren(...traces.map(waterfall));
  },

  async invocations() {
    const list = await api("/api/invocations");
    const open = new Set([...document.querySelectorAll("#invocations tr.lines")].map((r) => r.dataset.for));
    rows("invocations", list, (call) => {
      const row = el("tr", { tabindex: "0", "data-request": call.request_id, "aria-expanded": open.has(call.request_id) ? "true" : "false" },
        el("td", {}, call.started.replace("T", " ").replace("+00:00", "")),
        el("th", { scope: "row" }, call.function),
        el("td", { class: "num" }, call.version || ""),
        el("td", { class: "num" }, call.duration_ms === null ? "" : `${call.duration_ms.toFixed(1)} ms${call.init_ms ? " (cold)" : ""}`),
        el("td", { class: call.errored ? "state ALARM" : "state OK" }, call.errored ? "error" : "ok"),
        el("td", {}, call.correlation_id || ""),
        el("td", {}, call.trace_id ? el("button", { type: "button", onclick: (event) => {
          event.stopPropagation();
          pendingTrace = call.trace_id;
          show("traces");
        } }, "Trace") : null));
      const details = el("tr", { class: "lines", "data-for": call.request_id, hidden: !open.has(call.request_id) },
        el("td", { colspan: "7" }, el("pre", {}, call.lines.map((l) => `${l.at} ${l.message}`).join("\n"))));
      const toggle = () => {
        details.hidden = !details.hidden;
        row.setAttribute("aria-expanded", details.hidden ? "false" : "true");
      };
      row.addEventListener("click", toggle);
      row.addEventListener("keydown", (event) => { if (event.key === "Enter") toggle(); });
      return [row, details];
    });
  },

  async map() {
    const drawing = await api("/api/map");
    const box = document.getElementById("map-drawing");
    box.replaceChildren(mapSvg(drawing));
    const label = Object.fromEntries(drawing.nodes.map((n) => [n.id, `${n.label} (${n.kind})`]));
    document.getElementById("map-list").replaceChildren(...drawing.edges.map((e) =>
      el("li", {}, `${label[e.from]} ${e.kind === "trigger" ? "triggers" : e.kind === "uses" ? e.detail : "sends failures to"} ${label[e.to]}`)));
  },

  async dashboard() {
    const board = await api("/api/dashboard");
    document.getElementById("dashboard-name").textContent = board.name
      ? `CloudWatch dashboard ${board.name}, as Terraform deployed it: the last three hours.`
      : "This environment's outputs name no dashboard.";
    document.getElementById("charts").replaceChildren(...board.widgets.map((w) => w.type === "text"
      ? el("article", { class: "chart" }, el("pre", {}, w.markdown))
      : chart(w, Date.parse(board.start), Date.parse(board.end))));
  },
};

const figure = (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4))));

// A metric widget as CloudWatch draws it: a line per series over the time range, its legend below.
function chart(widget, start, end) {
  const width = 520, height = 160, pad = 4;
  const drawn = widget.series.filter((s) => s.points.length);
  const top = Math.max(1, ...drawn.flatMap((s) => s.points.map(([, v]) => v)));
  const x = (at) => pad + ((Date.parse(at) - start) / Math.max(1, end - start)) * (width - 2 * pad);
  const y = (v) => height - pad - (v / top) * (height - 2 * pad);
  const picture = svg("svg", { class: "chart", width, height, role: "img",
    "aria-label": `${widget.title}: ${drawn.length} of ${widget.series.length} series have data, highest ${top}` });
  picture.append(svg("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "axis" }));
  drawn.forEach((series, index) => {
    const colour = PALETTE[index % PALETTE.length];
    const points = series.points.map(([at, v]) => `${x(at).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    picture.append(svg("polyline", { points, fill: "none", stroke: colour, "stroke-width": 1.5 }));
    if (series.points.length === 1) picture.append(svg("circle", { cx: x(series.points[0][0]), cy: y(series.points[0][1]), r: 2.5, fill: colour }));
  });
  const legend = el("ul", { class: "legend" }, drawn.map((s, i) => el("li", {},
    el("span", { class: "swatch", style: `background:${PALETTE[i % PALETTE.length]}` }),
    `${s.label}: ${figure(s.points.at(-1)[1])} last, ${figure(Math.max(...s.points.map(([, v]) => v)))} at most`)));
  const quiet = widget.series.length - drawn.length;
  return el("article", { class: "chart", "data-widget": widget.title },
    el("h2", {}, widget.title), el("p", { class: "caption" }, `${widget.stat || ""} per ${widget.period || 300} s; highest ${figure(top)}`),
    picture, legend, quiet ? el("p", { class: "caption" }, `${quiet} more series with no data`) : null);
}

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  return node;
}

// Four columns: what triggers functions, the functions, what they use, and where those deliver.
function mapSvg({ nodes, edges }) {
  const byId = Object.fromEntries(nodes.map((n) => [n.id, n]));
  const isFunction = (id) => byId[id]?.kind === "function";
  const columns = [[], nodes.filter((n) => n.kind === "function").map((n) => n.id), [], []];
  const place = (column, id) => { if (!columns[column].includes(id)) columns[column].push(id); };
  for (const e of edges) {
    if (e.kind === "trigger" && isFunction(e.to) && !isFunction(e.from)) place(0, e.from);
    if (isFunction(e.from) && !isFunction(e.to)) place(2, e.to);
  }
  for (const e of edges) if (e.kind === "trigger" && !isFunction(e.from) && !isFunction(e.to) && columns[2].includes(e.from)) place(3, e.to);
  // the environment's prefix (platform-local-) said once, in the caption, not in every box
  const names = columns[1].map((id) => byId[id].label);
  let prefix = names.length > 1 ? names.reduce((a, b) => { let i = 0; while (i < a.length && a[i] === b[i]) i += 1; return a.slice(0, i); }) : "";
  prefix = prefix.slice(0, prefix.lastIndexOf("-") + 1);
  const rank = (column, id) => columns[column].indexOf(id);
  const mean = (values) => values.length ? values.reduce((a, b) => a + b, 0) / values.length : Infinity;
  columns[0].sort((a, b) => mean(edges.filter((e) => e.from === a).map((e) => rank(1, e.to))) - mean(edges.filter((e) => e.from === b).map((e) => rank(1, e.to))));
  columns[2].sort((a, b) => mean(edges.filter((e) => e.to === a).map((e) => rank(1, e.from))) - mean(edges.filter((e) => e.to === b).map((e) => rank(1, e.from))));
  columns[3].sort((a, b) => mean(edges.filter((e) => e.to === a).map((e) => rank(2, e.from))) - mean(edges.filter((e) => e.to === b).map((e) => rank(2, e.from))));
  const width = 250, gap = 110, rowHeight = 30, box = 22;
  const height = Math.max(...columns.map((c) => c.length)) * rowHeight + 20;
  const position = (column, id) => ({ x: column * (width + gap) + 10, y: rank(column, id) * rowHeight + 10 });
  const drawing = svg("svg", { class: "map", width: 4 * width + 3 * gap + 20, height: height + 24, role: "img",
    "aria-label": `${nodes.length} resources and ${edges.length} connections; the list below says the same` });
  if (prefix) drawing.append(svg("text", { x: 10, y: height + 16, class: "prefix" }, `names without their prefix ${prefix}`));
  const link = (from, to, kind) => {
    const a = { x: from.x + width, y: from.y + box / 2 }, b = { x: to.x, y: to.y + box / 2 };
    const middle = (a.x + b.x) / 2;
    drawing.append(svg("path", { class: `edge ${kind}`, d: `M${a.x},${a.y} C${middle},${a.y} ${middle},${b.y} ${b.x},${b.y}` }));
  };
  for (const e of edges) {
    if (columns[0].includes(e.from) && isFunction(e.to)) link(position(0, e.from), position(1, e.to), e.kind);
    else if (isFunction(e.from) && columns[2].includes(e.to)) link(position(1, e.from), position(2, e.to), e.kind);
    else if (columns[2].includes(e.from) && columns[3].includes(e.to)) link(position(2, e.from), position(3, e.to), e.kind);
  }
  columns.forEach((column, index) => column.forEach((id) => {
    const { x, y } = position(index, id);
    const group = svg("g", { class: `node ${byId[id].kind}`, tabindex: "0", "data-node": byId[id].label, "data-kind": byId[id].kind });
    group.append(svg("title", {}, `${byId[id].kind}: ${byId[id].label}`));
    group.append(svg("rect", { x, y, width, height: box, rx: 4 }));
    const short = byId[id].label.startsWith(prefix) ? byId[id].label.slice(prefix.length) : byId[id].label;
    group.append(svg("text", { x: x + 6, y: y + 15 }, `${byId[id].kind} ${short}`.slice(0, 38)));
    drawing.append(group);
  }));
  return drawing;
}

function waterfall(trace) {
  const total = Math.max(trace.duration_ms, 0.001);
  return el("article", { class: "waterfall", "data-trace": trace.id },
    el("h2", {}, `${trace.id}  ${trace.duration_ms.toFixed(1)} ms${trace.correlation_id ? `  correlation ${trace.correlation_id}` : ""}`),
    trace.rows.map((hop) => {
      const label = [hop.name, hop.kind && `[${hop.kind}]`, hop.operation, hop.status].filter(Boolean).join(" ");
      return el("div", { class: ["hop", ...hop.flags].join(" "), "data-hop": hop.name },
        el("span", { class: "label", style: `padding-left:${hop.depth * 0.75}rem`, title: label }, label),
        el("span", { class: "lane" }, el("span", { class: "bar",
          style: `left:${(hop.start_ms / total) * 100}%;width:${(hop.duration_ms / total) * 100}%` })),
        el("span", { class: "took" }, `${hop.duration_ms.toFixed(1)} ms`));
    }));
}

async function peek(queue) {
  try {
    const messages = await api(`/api/queues/${encodeURIComponent(queue.key)}/messages`);
    document.getElementById("messages").replaceChildren(
      el("h2", {}, `${queue.name}: ${messages.length ? `${messages.length} shown` : "empty"}`),
      ...messages.map((m) => el("div", { "data-message": m.id },
        el("p", {}, `sent ${m.sent} (${m.age_s} s ago), received ${m.receives} times`), el("pre", {}, m.body))));
  } catch (error) { status(error.message, true); }
}

async function refresh() {
  if (!current) return;
  try {
    await LOADERS[current]();
    status(`${document.getElementById(current).dataset.title} read ${new Date().toLocaleTimeString()}`);
  } catch (error) { status(error.message, true); }
  // how many reads the page has drawn: what a test (or a curious operator) can wait on
  document.body.dataset.reads = String(Number(document.body.dataset.reads || 0) + 1);
}

function show(panel) {
  current = panel;
  for (const name of PANELS) {
    document.getElementById(name).hidden = name !== panel;
    const tab = document.querySelector(`nav button[data-panel="${name}"]`);
    if (name === panel) tab.setAttribute("aria-current", "page"); else tab.removeAttribute("aria-current");
  }
  history.replaceState(null, "", `#${panel}`);
  clearInterval(timer);
  refresh();
  // read once: a search (traces), the Terraform state (map: `terraform state pull` on AWS), the
  // dashboard (GetMetricData is billed per metric on AWS), and the bill (a measurement and the state)
  if (!["traces", "map", "dashboard", "bill"].includes(panel)) timer = setInterval(() => { if (!anyArmed()) refresh(); }, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", async () => {
  document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.panel)));
  document.getElementById("trace-search").addEventListener("submit", (event) => { event.preventDefault(); refresh(); });
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, textarea")) {
      if (event.key === "Escape") event.target.blur();  // back to the panel keys
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const index = Number(event.key) - 1;
    if (index >= 0 && index < PANELS.length) show(PANELS[index]);
    else if (event.key === "/") { event.preventDefault(); show("traces"); document.getElementById("correlation").focus(); }
    else if (event.key === "r") refresh();
  });
  try {
    about = await api("/api/about");
    document.getElementById("environment").textContent = `${about.environment} on the ${about.target} (${about.region})`;
  } catch (error) { status(error.message, true); }
  const wanted = location.hash.slice(1);
  show(PANELS.includes(wanted) ? wanted : "functions");
});
