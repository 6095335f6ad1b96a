// The labeling page: shows the server's current sample, sends answers, draws the progress.
// Every answer is acknowledged by the server only once it is on disk; the page moves on then.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
let state = null;
let correcting = null;  // an earlier answer's sample, shown again to correct its label
let shownIndex = null;
let busy = false;
let acked = 0;

function withToken(path) {
  return token ? `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : path;
}

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(withToken(path), options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  return element;
}

function polyline(values, width, height, pad, color) {
  const low = Math.min(...values), high = Math.max(...values);
  const span = high > low ? high - low : 1;
  const step = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  const points = values.map((v, i) =>
    `${(pad + i * step).toFixed(1)},${(height - pad - (v - low) / span * (height - 2 * pad)).toFixed(1)}`);
  return svgElement("polyline", {points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2});
}

function showSample(current) {
  const box = $("sample");
  box.replaceChildren();
  if (!current) {
    box.textContent = "Every sample has an answer. Export the labels and the model.";
    return;
  }
  const view = current.view;
  if (view.error) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = view.error;
    box.append(p);
  } else if (view.kind === "image") {
    const img = document.createElement("img");
    img.src = withToken(`api/sample/${current.index}.png`);
    img.alt = current.id;
    box.append(img);
  } else if (view.kind === "sequence") {
    const svg = svgElement("svg", {viewBox: "0 0 720 320", role: "img", "aria-label": current.id});
    const colors = ["#20344c", "#c0392b", "#1a7f37"];
    view.values.forEach((channel, c) => svg.append(polyline(channel, 720, 320, 12, colors[c % 3])));
    box.append(svg);
  } else {
    const table = document.createElement("table");
    view.columns.forEach((name, i) => {
      const row = table.insertRow();
      row.insertCell().textContent = name;
      row.insertCell().textContent = view.values[i];
    });
    box.append(table);
  }
}

function shown() {
  return correcting || (state && state.current);
}

function render() {
  const current = shown();
  const progress = state.progress;
  if ((current ? current.index : null) !== shownIndex || !current) {
    showSample(current);
    shownIndex = current ? current.index : null;
  }
  $("source").textContent = !current ? "–" : correcting
    ? `your answer ${current.label === null ? "(none)" : current.label}, to correct (Esc: back)`
    : current.source.replace("_", " ");
  $("source").dataset.source = current ? current.source : "";
  $("sample-id").textContent = current ? current.id : "";
  $("guess").textContent = current && current.guess !== undefined ? current.guess : "none yet";
  $("confidence").textContent = current && current.confidence !== undefined
    ? `(${(100 * current.confidence).toFixed(0)}%)` : "";
  document.querySelectorAll("button.class").forEach((button) =>
    button.classList.toggle("guess", !!current && button.dataset.label === current.guess));
  $("status").textContent = `${progress.n_labeled} of ${progress.n_samples} labeled`;
  $("training").dataset.training = progress.training;
  $("training").textContent = progress.training ? "training…" : (progress.training_error ? "training failed" : "model ready");
  if (!progress.curve.length && !progress.training) $("training").textContent = "no model yet";
  $("architecture").textContent = progress.architecture || "–";
  $("accuracy").textContent = progress.validation_accuracy == null ? "–"
    : `${(100 * progress.validation_accuracy).toFixed(1)}%`;
  renderCoverage(progress.coverage);
  const counts = $("counts");
  counts.replaceChildren();
  const most = Math.max(1, ...Object.values(progress.counts));
  for (const [label, n] of Object.entries(progress.counts)) {
    const row = counts.insertRow();
    row.insertCell().textContent = label;
    row.insertCell().textContent = n;
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${100 * n / most}px`;
    row.insertCell().append(bar);
  }
  drawCurve(progress.curve);
  $("errors").replaceChildren(...progress.errors.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
  for (const button of document.querySelectorAll("button")) button.disabled = busy;
}

// The share of the unlabeled samples the model on the page would label at risk r, from the
// labels it was not trained on; none while those are too few for any threshold.
function renderCoverage(coverage) {
  const percent = (x, digits) => `${(100 * x).toFixed(digits)}%`;
  $("coverage-risk").textContent = coverage ? percent(coverage.risk, 1) : "r";
  $("coverage").textContent = !coverage ? "–"
    : coverage.threshold === null
      ? `needs more held-out labels: ${coverage.n_held_out} so far`
      : coverage.coverage === null ? "no unlabeled samples left"
        : `${percent(coverage.coverage, 0)} of the ${coverage.n_pool} unlabeled ` +
          `(risk bound ${percent(coverage.risk_bound, 1)}, ` +
          `on ${coverage.n_held_out} held-out labels)`;
}

function drawCurve(curve) {
  const svg = $("curve");
  svg.replaceChildren();
  const points = curve.filter((p) => p.validation_accuracy != null);
  // x: labels from 0 to the most so far; y: validation accuracy from 0 to 100%.
  svg.append(svgElement("line", {x1: 30, y1: 120, x2: 250, y2: 120, stroke: "#999"}));
  svg.append(svgElement("line", {x1: 30, y1: 10, x2: 30, y2: 120, stroke: "#999"}));
  const most = Math.max(1, ...points.map((p) => p.n_labeled));
  for (const [text, x, y] of [["100%", 2, 14], ["0", 18, 122], [`${points.length ? most : ""} labels`, 200, 135]]) {
    const label = svgElement("text", {x, y, "font-size": 10, fill: "#555"});
    label.textContent = text;
    svg.append(label);
  }
  if (!points.length) return;
  const xy = points.map((p) => [30 + 220 * p.n_labeled / most, 120 - 110 * p.validation_accuracy]);
  svg.append(svgElement("polyline", {
    points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "),
    fill: "none", stroke: "#4a7ab8", "stroke-width": 2,
  }));
  for (const [x, y] of xy) svg.append(svgElement("circle", {cx: x, cy: y, r: 3, fill: "#20344c"}));
}

function remember(text, index) {
  const item = document.createElement("li");
  item.textContent = text;
  if (index !== undefined) {
    item.title = "click to show this sample again and correct its label";
    item.addEventListener("click", () => correct(index));
  }
  $("recent").prepend(item);
  $("acked").textContent = acked;
  $("acked").dataset.acked = acked;
}

async function correct(index) {
  try {
    correcting = {...await api(`api/sample/${index}`), source: "correction"};
  } catch (error) {
    $("message").textContent = error.message;
  }
  render();
}

async function act(path, body, describe) {
  if (busy) return;
  busy = true;
  render();
  $("message").textContent = "";
  try {
    state = await api(path, body);
    acked += 1;
    correcting = null;
    remember(describe(state.result), body.index);
  } catch (error) {
    $("message").textContent = error.message;
  }
  busy = false;
  render();
}

function answer(label) {
  const current = shown();
  if (!current) return;
  act("api/answer", {index: current.index, label},
    (result) => `${current.id} → ${label === null ? "skipped" : label} (#${result.seq})`);
}

function undo() {
  act("api/undo", {}, (result) => result ? `undo of #${result.seq}` : "nothing to undo");
}

async function exportAll() {
  try {
    const data = await api("api/export", {});
    $("exported").textContent = `wrote ${data.result.labels}` +
      (data.result.n_model ? ` (with ${data.result.n_model} labels by the model)` : "") +
      (data.result.model ? ` and ${data.result.model}` : "");
  } catch (error) {
    $("message").textContent = error.message;
  }
}

function buildButtons(classes) {
  const box = $("buttons");
  classes.forEach((label, i) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "class";
    button.dataset.label = label;
    button.textContent = label;
    if (i < 10) {
      const key = document.createElement("kbd");
      key.textContent = String((i + 1) % 10);
      button.append(key);
    }
    button.addEventListener("click", () => answer(label));
    box.append(button);
  });
}

document.addEventListener("keydown", (event) => {
  if (!state || event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[0-9]$/.test(event.key)) {
    const label = state.classes[(Number(event.key) + 9) % 10];
    if (label !== undefined) answer(label);
  } else if (event.key === "s") {
    answer(null);
  } else if (event.key === "Escape") {
    correcting = null;
    render();
  } else if (event.key === "u" || event.key === "Backspace") {
    event.preventDefault();
    undo();
  } else {
    return;
  }
  event.preventDefault();
});
$("skip").addEventListener("click", () => answer(null));
$("undo").addEventListener("click", undo);
$("export").addEventListener("click", exportAll);
$("csv").href = withToken("api/labels.csv");

async function poll() {
  if (!busy) {
    try {
      const fresh = await api("api/state");
      if (!busy) {
        state = fresh;
        render();
      }
    } catch (error) {
      $("message").textContent = `server unreachable: ${error.message}`;
    }
  }
  setTimeout(poll, 1000);
}

api("api/state").then((data) => {
  state = data;
  buildButtons(state.classes);
  render();
  setTimeout(poll, 1000);
}).catch((error) => { $("message").textContent = error.message; });
