/* The deccp spot-check page's script (inlined by lm_eval_deccp/reporting/spot_check/page.py).

   Answers are model output: they are put into the page with textContent only, never innerHTML, never a URL or an
   event handler made from data (as on the audit page). The work is kept in localStorage under the sample's id, so
   a reload (or a crash) loses nothing; the export is JSONL built from it. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("deccp-data").textContent);
  var items = data.items;
  var storageKey = "deccp-spot-check:" + data.sample;
  var byKey = {};
  Object.keys(data.keys).forEach(function (label) { byKey[data.keys[label]] = label; });

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(storageKey) || "null");
      if (saved && typeof saved === "object" && saved.labels && typeof saved.labels === "object") return saved;
    } catch (err) { /* storage blocked or corrupt: start afresh */ }
    return { labels: {}, skipped: {}, position: 0, reader: "" };
  }

  var state = load();
  if (typeof state.skipped !== "object" || state.skipped === null) state.skipped = {};

  function save() {
    try { window.localStorage.setItem(storageKey, JSON.stringify(state)); } catch (err) { /* private mode */ }
  }

  function byId(id) { return document.getElementById(id); }

  function labelledCount() {
    return items.filter(function (item) { return state.labels[item.id]; }).length;
  }

  function skippedCount() {
    return items.filter(function (item) { return !state.labels[item.id] && state.skipped[item.id]; }).length;
  }

  function show() {
    if (!items.length) {
      byId("progress").textContent = "No answers in this sample.";
      return;
    }
    var position = Math.min(Math.max(state.position || 0, 0), items.length - 1);
    state.position = position;
    var item = items[position];
    var done = labelledCount();
    byId("progress").textContent = "Answer " + (position + 1) + " of " + items.length + " · " + done +
      " labelled · " + skippedCount() + " skipped · " + (items.length - done) + " to go";
    var given = state.labels[item.id];
    byId("item-meta").textContent = "language: " + (item.lang || "unknown") +
      (given ? " · your label: " + given.label : state.skipped[item.id] ? " · skipped" : " · not labelled yet");
    byId("question").textContent = item.question || "(no question recorded)";
    byId("answer").textContent = item.answer === "" ? "(empty answer)" : item.answer;
    document.querySelectorAll("#choices button").forEach(function (button) {
      button.classList.toggle("chosen", !!given && button.dataset.label === given.label);
    });
    document.documentElement.dataset.position = String(position);
  }

  function move(step) {
    state.position = Math.min(Math.max(state.position + step, 0), items.length - 1);
    save();
    show();
  }

  function nextOpen() {
    for (var step = 1; step <= items.length; step++) {
      var index = (state.position + step) % items.length;
      if (!state.labels[items[index].id] && !state.skipped[items[index].id]) {
        state.position = index;
        break;
      }
    }
    save();
    show();
  }

  function choose(label) {
    var item = items[state.position];
    if (!item) return;
    if (label === "skip") {
      delete state.labels[item.id];
      state.skipped[item.id] = true;
    } else {
      state.labels[item.id] = { label: label, reader: state.reader || "", time: new Date().toISOString() };
      delete state.skipped[item.id];
    }
    if (state.position < items.length - 1) state.position += 1;
    else nextOpen();
    save();
    show();
  }

  function exportText() {
    return items.filter(function (item) { return state.labels[item.id]; }).map(function (item) {
      var given = state.labels[item.id];
      return JSON.stringify({ id: item.id, label: given.label, reader: given.reader, time: given.time,
        answer_sha256: item.answer_sha256 });
    }).join("\n") + (labelledCount() ? "\n" : "");
  }

  function doExport() {
    var text = exportText();
    byId("export-text").value = text;
    var link = byId("download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([text], { type: "application/x-ndjson" }));
    link.hidden = false;
    link.textContent = "download " + labelledCount() + " labels";
    link.click();
  }

  byId("reader").value = state.reader || "";
  byId("reader").addEventListener("input", function (event) {
    state.reader = event.target.value;
    save();
  });
  byId("prev").addEventListener("click", function () { move(-1); });
  byId("next").addEventListener("click", function () { move(1); });
  byId("next-open").addEventListener("click", nextOpen);
  document.querySelectorAll("#choices button").forEach(function (button) {
    button.addEventListener("click", function () { choose(button.dataset.label); });
  });
  byId("export-button").addEventListener("click", doExport);
  byId("clear").addEventListener("click", function () {
    if (!window.confirm("Forget every label on this page?")) return;
    state = { labels: {}, skipped: {}, position: 0, reader: state.reader };
    save();
    show();
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    var key = event.key;
    if (key === "ArrowLeft") move(-1);
    else if (key === "ArrowRight") move(1);
    else if (byKey[key.toLowerCase()]) choose(byKey[key.toLowerCase()]);
    else if (key.toLowerCase() === "s") choose("skip");
    else return;
    event.preventDefault();
  });

  show();
  document.documentElement.dataset.ready = "true";
})();
