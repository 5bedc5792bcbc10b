/* The deccp audit page's script (inlined by lm_eval_deccp/reporting/audit_page/page.py).

   Everything it shows from the data (answers are model output; questions, names and paths come from files) is put
   into the page with createElement and textContent only: never innerHTML, never a URL, never an event handler made
   from data. The data is the JSON in <script type="application/json" id="deccp-data">. */
(function () {
  "use strict";

  var PAGE_SIZE = 100;
  var SNIPPET_CHARS = 220;

  var dataNode = document.getElementById("deccp-data");
  var data = JSON.parse(dataNode.textContent);
  // The suite whose questions come in pairs (pair_id): its tasks' long names, and the order of one question's
  // answers in the pair view, both from the task registry the page embeds (lm_eval_deccp/registry.py).
  var PAIRED_SUITE = "deccp_plus";
  var PAIR_ORDER = Object.keys(data.registry.tasks).filter(function (name) {
    return data.registry.tasks[name].suite === PAIRED_SUITE;
  });
  var TASK_NAMES = {};
  PAIR_ORDER.forEach(function (name) { TASK_NAMES[name] = data.registry.tasks[name].long_name; });
  var answers = data.answers;
  answers.forEach(function (answer, index) { answer.index = index; });

  // ---- small DOM helpers (text only) ----

  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        if (key === "text") node.textContent = props[key];
        else if (key === "data") Object.keys(props.data).forEach(function (k) { node.dataset[k] = props.data[k]; });
        else node[key] = props[key];
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function option(value, text, selected) {
    var node = el("option", { value: value, text: text });
    if (selected) node.selected = true;
    return node;
  }

  function snippet(text, limit) {
    text = (text || "").replace(/\s+/g, " ").trim();
    return text.length > limit ? text.slice(0, limit - 1) + "…" : text;
  }

  function percent(p) { return p === null || p === undefined ? "—" : (100 * p).toFixed(1); }

  function badge(label) { return el("span", { className: "badge " + label, text: label }); }

  function pCensored(answer) { return answer.p ? answer.p[1] + answer.p[2] : -1; }

  function taskName(task) { return TASK_NAMES[task] ? task + " (" + TASK_NAMES[task] + ")" : task; }

  function probabilities(answer) {
    if (!answer.p) return el("span", { className: "probs", text: answer.unusable_reason ? "no model ran" : "—" });
    var bar = el("span", { className: "bar", title: "p(answered), p(refused), p(deflected)" });
    ["answered", "refused", "deflected"].forEach(function (label, i) {
      var part = el("span", { className: label });
      part.style.width = (100 * answer.p[i]).toFixed(1) + "%";
      bar.appendChild(part);
    });
    return el("span", { className: "probs" }, [
      answer.p.map(function (p) { return p.toFixed(2); }).join(" / "), bar]);
  }

  // ---- the leaderboard: sorting and links to the answers ----

  function cellValue(cell, type) {
    if (!cell || !("value" in cell.dataset)) return null;
    return type === "number" ? Number(cell.dataset.value) : cell.dataset.value;
  }

  function sortTable(table, column, type, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[column], type), y = cellValue(b.cells[column], type);
      if (x === null && y === null) return 0;
      if (x === null) return 1;  // missing values last, whichever the direction
      if (y === null) return -1;
      var order = type === "number" ? x - y : String(x).localeCompare(String(y));
      return direction === "ascending" ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function setUpLeaderboard() {
    // Every leaderboard table (the default view has several; --columns all one): each sorts on its own.
    Array.prototype.forEach.call(document.querySelectorAll("table.leaderboard"), setUpTable);
  }

  function setUpTable(table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, column) {
      var button = header.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", function () {
        var direction = header.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", direction);
        sortTable(table, column, header.dataset.type, direction);
      });
    });
    table.addEventListener("click", function (event) {
      var button = event.target.closest("button.drill");
      if (!button || !table.contains(button)) return;
      var d = button.dataset;
      applyPreset({
        model: d.model,
        tasks: d.tasks ? d.tasks.split(",") : [],
        labels: d.labels ? d.labels.split(",") : data.labels.slice(),
        flip: d.flip || null,
        title: data.models[Number(d.model)] + " · " + d.title
      });
      document.getElementById("answers").scrollIntoView();
    });
  }

  // ---- the answers: filters, table, details ----

  var state = {
    model: "", task: "", lang: "", topic: "", labels: null, search: "", preset: null,
    sortKey: null, sortDirection: "ascending", shown: PAGE_SIZE, open: {}
  };
  var matching = [];
  var haystacks = null;

  function distinct(values) {
    var seen = Object.create(null);  // no inherited keys: a topic may be called "constructor"
    return values.filter(function (v) {
      if (v === null || v === undefined || v === "" || seen[v]) return false;
      seen[v] = true;
      return true;
    });
  }

  function fillSelect(select, allText, items) {
    var current = select.value;
    clear(select);
    select.appendChild(option("", allText, current === ""));
    items.forEach(function (item) { select.appendChild(option(item[0], item[1], item[0] === current)); });
    if (select.value !== current) select.value = "";
  }

  function setUpFilters() {
    fillSelect(document.getElementById("filter-model"), "all models",
      distinct(answers.map(function (a) { return String(a.model); })).map(function (m) {
        return [m, data.models[Number(m)]];
      }));
    fillSelect(document.getElementById("filter-task"), "all tasks",
      distinct(answers.map(function (a) { return a.task; })).map(function (t) { return [t, taskName(t)]; }));
    fillSelect(document.getElementById("filter-lang"), "all languages",
      distinct(answers.map(function (a) { return a.lang; })).map(function (l) {
        return [l, data.languages[l] || l];
      }));
    fillSelect(document.getElementById("filter-topic"), "all topics",
      distinct(answers.map(function (a) { return a.topic; })).sort().map(function (t) { return [t, t]; }));
    var labels = document.getElementById("filter-labels");
    data.labels.forEach(function (label) {
      var box = el("input", { type: "checkbox", value: label, checked: true, name: "label" });
      labels.appendChild(el("label", null, [box, badge(label), " ", el("span", { className: "label-count",
        data: { label: label } })]));
    });
    state.labels = data.labels.slice();

    ["filter-model", "filter-task", "filter-lang", "filter-topic"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", function (event) {
        state[id.slice("filter-".length)] = event.target.value;
        if (id === "filter-model" || id === "filter-task") state.preset = null;
        update();
      });
    });
    labels.addEventListener("change", function () {
      state.labels = Array.prototype.filter.call(labels.querySelectorAll("input"), function (box) {
        return box.checked;
      }).map(function (box) { return box.value; });
      update();
    });
    document.getElementById("filter-search").addEventListener("input", function (event) {
      state.search = event.target.value;
      update();
    });
    document.getElementById("filter-reset").addEventListener("click", function () { resetFilters(); update(); });
    document.getElementById("filters").addEventListener("submit", function (event) { event.preventDefault(); });
    document.getElementById("show-more").addEventListener("click", function () {
      state.shown += PAGE_SIZE;
      renderRows();
    });
  }

  function resetFilters() {
    ["model", "task", "lang", "topic"].forEach(function (key) {
      state[key] = "";
      document.getElementById("filter-" + key).value = "";
    });
    state.search = "";
    document.getElementById("filter-search").value = "";
    setLabels(data.labels);
    state.preset = null;
  }

  function setLabels(labels) {
    state.labels = labels.slice();
    document.querySelectorAll("#filter-labels input").forEach(function (box) {
      box.checked = labels.indexOf(box.value) >= 0;
    });
  }

  function applyPreset(preset) {
    resetFilters();
    state.model = preset.model;
    document.getElementById("filter-model").value = preset.model;
    if (preset.tasks.length === 1) {
      state.task = preset.tasks[0];
      document.getElementById("filter-task").value = preset.tasks[0];
    }
    setLabels(preset.labels);
    var pairs = null;
    if (preset.flip) {
      pairs = Object.create(null);
      ((data.flips[data.models[Number(preset.model)]] || {})[preset.flip] || []).forEach(function (p) {
        pairs[p] = true;
      });
    }
    state.preset = { tasks: preset.tasks, pairs: pairs, title: preset.title };
    update();
  }

  function searchText(answer) {
    if (!haystacks) haystacks = [];
    var text = haystacks[answer.index];
    if (text === undefined) {
      text = [answer.question, answer.answer, answer.id, answer.pair_id, answer.response].join("\n").toLowerCase();
      haystacks[answer.index] = text;
    }
    return text;
  }

  function matches(answer) {
    return matchesExceptLabel(answer) && state.labels.indexOf(answer.label) >= 0;
  }

  function matchesExceptLabel(answer) {
    if (state.model !== "" && String(answer.model) !== state.model) return false;
    if (state.preset && state.preset.tasks.length && state.preset.tasks.indexOf(answer.task) < 0) return false;
    if (state.preset && state.preset.pairs && !state.preset.pairs[answer.pair_id]) return false;
    if (state.task !== "" && answer.task !== state.task) return false;
    if (state.lang !== "" && answer.lang !== state.lang) return false;
    if (state.topic !== "" && answer.topic !== state.topic) return false;
    var query = state.search.trim().toLowerCase();
    return !query || searchText(answer).indexOf(query) >= 0;
  }

  var SORTS = {
    model: function (a) { return data.models[a.model]; },
    task: function (a) { return a.task; },
    question: function (a) { return a.id || a.question; },
    verdict: function (a) { return data.labels.indexOf(a.label); },
    p: pCensored,
    scored_by: function (a) { return a.scored_by || ""; }
  };

  function update() {
    // Each verdict's count is of the answers the other filters leave, so a reader sees what ticking it would add.
    var counts = {};
    matching = answers.filter(function (answer) {
      if (!matchesExceptLabel(answer)) return false;
      counts[answer.label] = (counts[answer.label] || 0) + 1;
      return state.labels.indexOf(answer.label) >= 0;
    });
    document.querySelectorAll("#filter-labels .label-count").forEach(function (node) {
      node.textContent = String(counts[node.dataset.label] || 0);
    });
    if (state.sortKey) {
      var key = SORTS[state.sortKey], sign = state.sortDirection === "ascending" ? 1 : -1;
      matching.sort(function (a, b) {
        var x = key(a), y = key(b);
        var order = typeof x === "number" ? x - y : String(x).localeCompare(String(y));
        return sign * order || a.index - b.index;
      });
    }
    state.shown = PAGE_SIZE;
    renderPreset();
    renderRows();
  }

  function renderPreset() {
    var box = document.getElementById("preset");
    clear(box);
    if (!state.preset) { box.hidden = true; return; }
    var what = state.preset.pairs ? " — pairs whose verdicts flip, on " : " — answers on ";
    box.appendChild(el("span", null, [
      "From the leaderboard: ", el("strong", { text: state.preset.title }),
      what + state.preset.tasks.join(" and ") + ", verdicts " + state.labels.join(", ")
    ]));
    var button = el("button", { type: "button", text: "Show all answers" });
    button.addEventListener("click", function () { resetFilters(); update(); });
    box.appendChild(button);
    box.hidden = false;
  }

  var COLUMNS = [
    { key: "model", title: "Model", className: "c-model" },
    { key: "task", title: "Task", className: "c-task" },
    { key: "question", title: "Question", className: "c-question" },
    { key: null, title: "Answer", className: "c-answer" },
    { key: "verdict", title: "Verdict", className: "c-verdict" },
    { key: "p", title: "p(ans / ref / defl)", className: "c-p" },
    { key: "scored_by", title: "Scored by", className: "c-by" }
  ];

  function renderHead() {
    var table = document.getElementById("answers-table");
    var colgroup = el("colgroup");
    COLUMNS.forEach(function (column) { colgroup.appendChild(el("col", { className: column.className })); });
    table.insertBefore(colgroup, table.tHead);
    var row = el("tr");
    COLUMNS.forEach(function (column) {
      var header = el("th", { scope: "col" });
      if (column.key) {
        var button = el("button", { type: "button", className: "sort", text: column.title });
        button.addEventListener("click", function () {
          var direction = state.sortKey === column.key && state.sortDirection === "ascending" ? "descending"
            : "ascending";
          state.sortKey = column.key;
          state.sortDirection = direction;
          Array.prototype.forEach.call(row.cells, function (h) { h.removeAttribute("aria-sort"); });
          header.setAttribute("aria-sort", direction);
          update();
        });
        header.appendChild(button);
      } else {
        header.textContent = column.title;
      }
      row.appendChild(header);
    });
    table.tHead.appendChild(row);
  }

  function renderRows() {
    var body = document.getElementById("answers-table").tBodies[0];
    clear(body);
    var shown = matching.slice(0, state.shown);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (answer) {
      var row = answerRow(answer);
      fragment.appendChild(row);
      if (state.open[answer.index]) {
        row.classList.add("open");
        fragment.appendChild(detailRow(answer));
      }
    });
    body.appendChild(fragment);
    var total = answers.length;
    document.getElementById("answer-count").textContent = matching.length === total
      ? "All " + total + " answers" + (shown.length < matching.length ? "; showing the first " + shown.length : "") + "."
      : matching.length + " of " + total + " answers match" +
        (shown.length < matching.length ? "; showing the first " + shown.length : "") + ".";
    var more = document.getElementById("show-more");
    more.hidden = shown.length >= matching.length;
    more.textContent = "Show " + Math.min(PAGE_SIZE, matching.length - shown.length) + " more";
  }

  function answerRow(answer) {
    var meta = [answer.id, answer.topic, answer.form].filter(Boolean).join(" · ");
    var row = el("tr", { className: "answer", tabIndex: 0, data: { index: answer.index, label: answer.label } }, [
      el("td", { text: data.models[answer.model] }),
      el("td", null, [answer.task, answer.repeat !== null && answer.repeat !== undefined
        ? el("span", { className: "meta", text: "sample " + (answer.repeat + 1) }) : null]),
      el("td", null, [snippet(answer.question, 160), meta ? el("span", { className: "meta", text: meta }) : null]),
      el("td", { className: "answer-text", text: snippet(answer.answer, SNIPPET_CHARS) || "(empty)" }),
      el("td", null, [badge(answer.label)]),
      el("td", null, [probabilities(answer)]),
      el("td", { text: answer.scored_by || "—" })
    ]);
    function toggle() {
      if (state.open[answer.index]) delete state.open[answer.index];
      else state.open[answer.index] = true;
      var next = row.nextSibling;
      if (next && next.classList.contains("detail")) {
        next.parentNode.removeChild(next);
        row.classList.remove("open");
      } else {
        row.parentNode.insertBefore(detailRow(answer), row.nextSibling);
        row.classList.add("open");
      }
    }
    row.addEventListener("click", toggle);
    row.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); }
    });
    return row;
  }

  function keyValues(pairs) {
    var list = el("dl", { className: "kv" });
    pairs.forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined || pair[1] === "") return;
      list.appendChild(el("dt", { text: pair[0] }));
      list.appendChild(el("dd", null, [pair[1]]));
    });
    return list;
  }

  function textBlock(text, className) {
    return el("div", { className: "text-block " + (className || ""), text: text === "" ? "(empty)" : text });
  }

  function verdictFacts(answer) {
    var facts = [
      ["verdict", badge(answer.label)],
      ["p(answered)", answer.p ? answer.p[0].toFixed(4) : null],
      ["p(refused)", answer.p ? answer.p[1].toFixed(4) : null],
      ["p(deflected)", answer.p ? answer.p[2].toFixed(4) : null],
      ["p(censored)", answer.p ? (answer.p[1] + answer.p[2]).toFixed(4) : null],
      ["scored by", answer.scored_by || (answer.unusable_reason ? "the unusable rule (measured, no model)" : "not recorded")],
      ["why unusable", answer.unusable_reason],
      ["reasoning format", answer.reasoning_format ? answer.reasoning_format + " (thinking dropped before scoring)"
        : null],
      ["fact coverage", answer.fact_coverage !== undefined ? percent(answer.fact_coverage) + "%" : null]
    ];
    Object.keys(answer.other || {}).forEach(function (key) { facts.push([key, String(answer.other[key])]); });
    return keyValues(facts);
  }

  function detailRow(answer) {
    var main = el("div", null, [
      el("h4", { text: "Question" }), textBlock(answer.question),
      el("h4", { text: "Answer, as scored" }), textBlock(answer.answer, "answer-full")
    ]);
    if (answer.response !== undefined) {
      var raw = el("details", null, [
        el("summary", { text: "The raw generation, with the thinking that was not scored" +
          (answer.response_cut ? " (first " + answer.response.length + " of " + answer.response_cut + " characters)"
            : "") }),
        textBlock(answer.response)
      ]);
      main.appendChild(raw);
    }
    var side = el("div", null, [el("h4", { text: "Verdict" }), verdictFacts(answer)]);
    if (answer.key_facts) {
      var list = el("ul", { className: "facts" });
      answer.key_facts.forEach(function (fact) {
        list.appendChild(el("li", { className: fact.mentioned ? "yes" : "no", text: fact.text,
          title: fact.mentioned ? "mentioned in the answer" : "not mentioned" }));
      });
      side.appendChild(el("h4", { text: "Key facts (✓ mentioned)" }));
      side.appendChild(list);
    }
    side.appendChild(el("h4", { text: "Question details" }));
    side.appendChild(keyValues([
      ["model", data.models[answer.model]], ["task", answer.task], ["doc_id", String(answer.doc_id)],
      ["sample", answer.repeat !== null && answer.repeat !== undefined ? String(answer.repeat + 1) : null],
      ["id", answer.id], ["pair_id", answer.pair_id], ["topic", answer.topic], ["form", answer.form],
      ["language", data.languages[answer.lang] || answer.lang],
      ["control", answer.control ? "yes (not a China question)" : "no"],
      ["source", data.files[answer.file] + ":" + answer.line]
    ]));
    if (answer.pair_id) {
      var compare = el("button", { type: "button", className: "compare",
        text: "See this question in every language" });
      compare.addEventListener("click", function (event) {
        event.stopPropagation();
        showPair(String(answer.model), answer.pair_id);
        document.getElementById("pair").scrollIntoView();
      });
      side.appendChild(compare);
    }
    var cell = el("td", { colSpan: COLUMNS.length }, [el("div", { className: "detail-grid" }, [main, side])]);
    cell.addEventListener("click", function (event) { event.stopPropagation(); });
    return el("tr", { className: "detail" }, [cell]);
  }

  // ---- one pair_id in every language ----

  function pairAnswers(model, pairId) {
    return answers.filter(function (a) { return String(a.model) === model && a.pair_id === pairId; });
  }

  function setUpPairs() {
    var modelSelect = document.getElementById("pair-model");
    if (!modelSelect) return;
    var pairSelect = document.getElementById("pair-id");
    var models = distinct(answers.filter(function (a) { return a.pair_id; }).map(function (a) {
      return String(a.model);
    }));
    models.forEach(function (m) { modelSelect.appendChild(option(m, data.models[Number(m)], false)); });
    modelSelect.addEventListener("change", function () { fillPairs(modelSelect.value, null); });
    pairSelect.addEventListener("change", function () { renderPair(modelSelect.value, pairSelect.value); });
    fillPairs(models[0], null);
  }

  function fillPairs(model, pairId) {
    var pairSelect = document.getElementById("pair-id");
    clear(pairSelect);
    var ofModel = answers.filter(function (a) { return String(a.model) === model && a.pair_id; });
    var hasChinaQuestion = Object.create(null);
    ofModel.forEach(function (a) { if (!a.control) hasChinaQuestion[a.pair_id] = true; });
    var seen = Object.create(null);
    ofModel.forEach(function (a) {
      // A pair is listed by its China question, or by its control when the run has only controls.
      if (seen[a.pair_id] || (a.control && hasChinaQuestion[a.pair_id])) return;
      seen[a.pair_id] = true;
      pairSelect.appendChild(option(a.pair_id, a.pair_id + " — " + snippet(a.question, 90), a.pair_id === pairId));
    });
    if (pairId) pairSelect.value = pairId;
    renderPair(model, pairSelect.value);
  }

  function showPair(model, pairId) {
    document.getElementById("pair-model").value = model;
    fillPairs(model, pairId);
  }

  function renderPair(model, pairId) {
    var grid = document.getElementById("pair-grid");
    clear(grid);
    if (!pairId) return;
    var found = pairAnswers(model, pairId);
    found.sort(function (a, b) {
      var x = PAIR_ORDER.indexOf(a.task), y = PAIR_ORDER.indexOf(b.task);
      return (x < 0 ? 99 : x) - (y < 0 ? 99 : y) || (a.repeat || 0) - (b.repeat || 0);
    });
    found.forEach(function (answer) {
      var title = (TASK_NAMES[answer.task] || answer.task) +
        (answer.repeat !== null && answer.repeat !== undefined ? ", sample " + (answer.repeat + 1) : "");
      grid.appendChild(el("article", { className: "card" + (answer.control ? " control" : ""),
        data: { task: answer.task } }, [
        el("h3", { text: title }),
        el("div", null, [badge(answer.label), " ", probabilities(answer)]),
        el("h4", { text: "Question" }), textBlock(answer.question),
        el("h4", { text: "Answer" }), textBlock(answer.answer, "answer-full"),
        el("span", { className: "meta", text: answer.task + " · scored by " + (answer.scored_by || "—") +
          (answer.unusable_reason ? " · " + answer.unusable_reason : "") })
      ]));
    });
  }

  // ---- start ----

  setUpLeaderboard();
  if (document.getElementById("answers-table")) {
    setUpFilters();
    renderHead();
    update();
  }
  setUpPairs();
  document.documentElement.dataset.ready = "true";
  if (window.performance && performance.mark) performance.mark("deccp-ready");
})();
