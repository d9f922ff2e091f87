// The organiser page of `letterkit serve`: campaign form, participants table, preview, build, counts.
// Vanilla JavaScript, no build step. Names and addresses go into the page as text, never as HTML.
"use strict";

(() => {
  const meta = (name) => (document.querySelector(`meta[name="${name}"]`) || {}).content || "";
  const KEY = meta("letterkit-key");
  const TOKEN = meta("letterkit-token");
  const PIECES = [
    ["letter", "Letter"],
    ["envelope", "Envelope"],
    ["card", "Card"],
    ["card-envelope", "Card envelope"],
    ["postcard", "Postcard"],
  ];
  const PREVIEW_DELAY_MS = 300;
  const SAVE_DELAY_MS = 600;

  const state = {
    version: 0,
    campaign: null,
    columns: [],
    rows: [],
    drafts: new Map(), // "id:column" → a cell value typed but not yet sent
    previewRow: null,
    previewPage: 1,
    previewPages: 1,
    previewSeq: 0,
    previewUrl: null,
  };

  // ---------------------------------------------------------------------------------------
  // Small helpers

  /** An element with properties (`class`, `for`, `data-*`, `aria-*` as attributes) and children. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === "class" || name === "for" || name.startsWith("data-") || name.startsWith("aria-")) {
        node.setAttribute(name, value);
      } else {
        node[name] = value;
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /** The element with `id`, or a new one made by `make` and appended to `parent`. */
  function ensure(id, parent, make) {
    let node = document.getElementById(id);
    if (!node) {
      node = make();
      node.id = id;
      parent.append(node);
    }
    return node;
  }

  /** The part of a section this script fills (made on first use, after the shell's content). */
  function slot(section, name) {
    let node = section.querySelector(`:scope > .slot-${name}`);
    if (!node) {
      node = el("div", { class: `slot slot-${name}` });
      section.append(node);
    }
    return node;
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** Shows a message in the page's status line (read out by screen readers). */
  function notice(message, kind) {
    let box = document.getElementById("notice");
    if (!box) {
      box = el("p", { id: "notice", role: "status", "aria-live": "polite" });
      (document.querySelector("main") || document.body).prepend(box);
    }
    box.textContent = message || "";
    box.className = kind ? `notice notice-${kind}` : "notice";
    box.hidden = !message;
  }

  /** One request to the server: `{status, data, response}`; data is parsed JSON when sent as JSON. */
  async function api(method, path, body, contentType) {
    const headers = { "X-Letterkit-Key": KEY };
    if (method !== "GET") headers["X-Letterkit-Token"] = TOKEN;
    let payload;
    if (body !== undefined) {
      headers["Content-Type"] = contentType || "application/json";
      payload = contentType ? body : JSON.stringify(body);
    }
    const response = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
    let data = null;
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("application/json")) data = await response.json();
    return { status: response.status, data, response };
  }

  const errorText = (result) =>
    (result.data && result.data.error) || `The server answered ${result.status}.`;

  // ---------------------------------------------------------------------------------------
  // The campaign form

  const section = (id) => document.getElementById(id);

  /** The form's fields: [path in CampaignForm, label, kind, hint]. */
  const CAMPAIGN_FIELDS = [
    ["name", "Campaign name", "text"],
    ["organizer", "Organised by", "text"],
    ["recipient.name", "Recipient", "text"],
    ["recipient.title", "Title (one per line)", "lines"],
    ["recipient.organization", "Organisation", "text"],
    ["recipient.address", "Address (one line each)", "lines"],
    ["recipient.salutation", "Salutation", "text", "For example: Dear Secretary Mayorkas,"],
    ["sign_off", "Sign-off", "text"],
    ["hashtags", "Hashtags", "words", "Separated by spaces, like #Free #Now"],
    ["paper", "Paper", "paper"],
    ["letter", "Letter", "letter", "handwritten, typed, or a design file in the campaign folder"],
    ["defaults.letters", "Letters each", "count"],
    ["defaults.cards", "Cards each", "count"],
    ["defaults.postcards", "Postcards each", "count"],
  ];

  function getPath(object, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), object);
  }

  function setPath(object, path, value) {
    const keys = path.split(".");
    const last = keys.pop();
    const target = keys.reduce((value, key) => (value[key] = value[key] || {}), object);
    target[last] = value;
  }

  const fieldId = (path) => `field-${path.replace(/[^a-z0-9]+/gi, "-")}`;

  function campaignField([path, label, kind, hint]) {
    const id = fieldId(path);
    const value = getPath(state.campaign, path);
    let input;
    if (kind === "lines") {
      input = el("textarea", { rows: 2, value: (value || []).join("\n") });
    } else if (kind === "words") {
      input = el("input", { type: "text", value: (value || []).join(" ") });
    } else if (kind === "paper") {
      input = el("select", {}, el("option", { value: "us-letter" }, "US Letter"), el("option", { value: "a4" }, "A4"));
      input.value = value || "us-letter";
    } else if (kind === "count") {
      input = el("input", { type: "number", min: 0, max: 99, step: 1, value: String(value ?? 0) });
    } else {
      input = el("input", { type: "text", value: value || "" });
      if (kind === "letter") input.setAttribute("list", "letter-kinds");
    }
    input.id = id;
    input.name = path;
    input.dataset.field = path;
    input.dataset.kind = kind;
    const hintId = hint ? `${id}-hint` : null;
    if (hintId) input.setAttribute("aria-describedby", `${hintId} ${id}-error`);
    else input.setAttribute("aria-describedby", `${id}-error`);
    return el(
      "div",
      { class: `field field-${kind}` },
      el("label", { for: id }, label),
      input,
      hint ? el("small", { id: hintId, class: "hint" }, hint) : null,
      el("p", { id: `${id}-error`, class: "field-error", "data-error-for": path, hidden: true }),
    );
  }

  function themeFieldset(theme, index) {
    const base = `talking_points.${index}`;
    const themeId = fieldId(`${base}.theme`);
    const pointsId = fieldId(`${base}.points`);
    return el(
      "fieldset",
      { class: "theme", "data-theme": index },
      el("legend", {}, `Theme ${index + 1}`),
      el("label", { for: themeId }, "Theme"),
      el("input", { type: "text", id: themeId, value: theme.theme || "", "data-theme-part": "theme" }),
      el("label", { for: pointsId }, "Points (one per line)"),
      el("textarea", { id: pointsId, rows: 3, value: (theme.points || []).join("\n"), "data-theme-part": "points" }),
      el("p", { class: "field-error", "data-error-for": `talking_points[${index}]`, hidden: true }),
      el("button", { type: "button", class: "secondary remove-theme" }, `Remove theme ${index + 1}`),
    );
  }

  /** The shell's `#campaign-form`, or one made in the section. */
  function campaignForm() {
    return ensure("campaign-form", slot(section("campaign"), "form"), () => el("form", { noValidate: true }));
  }

  function renderCampaign() {
    if (!state.campaign) return;
    const form = campaignForm();
    form.classList.add("campaign-form");
    form.replaceChildren(
      el("datalist", { id: "letter-kinds" }, el("option", { value: "handwritten" }), el("option", { value: "typed" })),
      el("div", { class: "field-grid" }, CAMPAIGN_FIELDS.map(campaignField)),
    );
    const themes = el("div", { class: "themes" });
    (state.campaign.talking_points || []).forEach((theme, i) => themes.append(themeFieldset(theme, i)));
    form.append(
      el("h3", {}, "Talking points"),
      themes,
      el("button", { type: "button", class: "secondary", id: "add-theme" }, "Add a theme"),
      el("p", { class: "field-error", id: "campaign-error", "data-error-for": "", hidden: true }),
      el("p", { class: "save-state", id: "campaign-saved", "aria-live": "polite" }),
    );
  }

  function bindCampaign() {
    const form = campaignForm();
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("input", onCampaignInput);
    form.addEventListener("click", (event) => {
      if (event.target.id === "add-theme") {
        readCampaign();
        state.campaign.talking_points.push({ theme: "", points: [] });
        renderCampaign();
        const inputs = section("campaign").querySelectorAll("[data-theme-part=theme]");
        inputs[inputs.length - 1].focus();
        saveCampaignSoon();
      } else if (event.target.classList.contains("remove-theme")) {
        readCampaign();
        const index = Number(event.target.closest("fieldset").dataset.theme);
        state.campaign.talking_points.splice(index, 1);
        renderCampaign();
        saveCampaignSoon();
      }
    });
  }

  /** The form's values written into `state.campaign` (fields the form lacks are kept). */
  function readCampaign() {
    const form = section("campaign");
    const campaign = structuredClone(state.campaign);
    for (const input of form.querySelectorAll("[data-field]")) {
      const kind = input.dataset.kind;
      let value = input.value;
      if (kind === "lines") value = value.split("\n").map((l) => l.trim()).filter(Boolean);
      else if (kind === "words") value = value.split(/[\s,]+/).filter(Boolean);
      else if (kind === "count") value = Math.max(0, Number.parseInt(value, 10) || 0);
      setPath(campaign, input.dataset.field, value);
    }
    campaign.talking_points = [...form.querySelectorAll("fieldset.theme")].map((set) => ({
      theme: set.querySelector("[data-theme-part=theme]").value,
      points: set.querySelector("[data-theme-part=points]").value.split("\n").map((l) => l.trim()).filter(Boolean),
    }));
    state.campaign = campaign;
    return campaign;
  }

  /** Shows `errors` ([{field, message}]) next to their fields; unknown fields under the form. */
  function showCampaignErrors(errors) {
    const form = section("campaign");
    if (!form) return;
    for (const box of form.querySelectorAll(".field-error")) {
      box.hidden = true;
      box.textContent = "";
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const { field, message } of errors || []) {
      const box = errorBoxFor(form, field || "");
      box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
      box.hidden = false;
      const input = box.parentNode.querySelector("input, textarea, select");
      if (input && box.id !== "campaign-error") input.setAttribute("aria-invalid", "true");
    }
  }

  /** The error box of `field`, or of the nearest field that contains it (`talking_points[2].points[0]`). */
  function errorBoxFor(form, field) {
    let name = field;
    while (name) {
      const box = [...form.querySelectorAll("[data-error-for]")].find((b) => b.dataset.errorFor === name);
      if (box) return box;
      const cut = Math.max(name.lastIndexOf("."), name.lastIndexOf("["));
      name = cut > 0 ? name.slice(0, cut) : "";
    }
    return document.getElementById("campaign-error");
  }

  const saveCampaignSoon = debounce(saveCampaign, SAVE_DELAY_MS);

  function onCampaignInput(event) {
    if (!event.target.matches("input, textarea, select")) return;
    document.getElementById("campaign-saved").textContent = "Not saved yet…";
    readCampaign();
    saveCampaignSoon();
    refreshPreviewSoon();
  }

  let campaignSaves = 0;

  async function saveCampaign() {
    const saved = document.getElementById("campaign-saved");
    const seq = ++campaignSaves;
    const result = await api("PUT", "/api/campaign", readCampaign());
    if (seq !== campaignSaves) return; // a newer save answers for the form
    if (result.status === 200) {
      showCampaignErrors([]);
      saved.textContent = "Saved to campaign.toml.";
      if ("counts" in result.data) renderCounts(result.data.counts, result.data.counts_error);
    } else {
      showCampaignErrors([{ field: result.data && result.data.field, message: errorText(result) }]);
      saved.textContent = "Not saved: fix the field marked above.";
    }
  }

  // ---------------------------------------------------------------------------------------
  // The participants table

  function participantsParts() {
    const host = section("participants");
    const upload = ensure("csv-upload", host, () => el("input", { type: "file", accept: ".csv,text/csv" }));
    if (!upload.labels || upload.labels.length === 0) {
      upload.before(el("label", { for: "csv-upload" }, "Upload a participants list (CSV)"));
    }
    const add = ensure("add-row", host, () => el("button", { type: "button" }, "Add a person"));
    const box = ensure("participants-table", host, () => el("div", {}));
    return { host, upload, add, box };
  }

  /** The table from the server (`Table` with ids): rows and columns replace what is shown. */
  function setTable(table) {
    state.columns = table.columns || [];
    state.rows = table.rows || [];
    state.problems = table.problems || [];
    renderTable();
    renderRowPicker();
  }

  const issueClass = (issue) => `issue issue-${issue.severity}`;

  function issueList(issues) {
    if (!issues.length) return null;
    return el(
      "ul",
      { class: "issues" },
      issues.map((issue) =>
        el(
          "li",
          { class: issueClass(issue), "data-code": issue.code },
          issue.message,
          issue.repaired != null ? el("span", { class: "repaired" }, ` Will print as “${issue.repaired}”.`) : null,
        ),
      ),
    );
  }

  function rowElement(row) {
    const tr = el("tr", { "data-id": row.id, "data-revision": row.revision });
    const person = row.cells[state.columns.indexOf("name")] || `line ${row.line}`;
    tr.append(el("th", { scope: "row", class: "line" }, String(row.line)));
    state.columns.forEach((column, i) => {
      const issues = row.issues.filter((issue) => issue.column === column);
      const draft = state.drafts.get(`${row.id}:${column}`);
      const input = el("input", {
        type: "text",
        value: draft ?? row.cells[i] ?? "",
        "data-column": column,
        "aria-label": `${column} of ${person}`,
        "aria-invalid": issues.some((issue) => issue.severity === "error") ? "true" : null,
      });
      const td = el("td", { class: issues.length ? "has-issues" : null }, input, issueList(issues));
      tr.append(td);
    });
    const rowIssues = row.issues.filter((issue) => !issue.column || !state.columns.includes(issue.column));
    tr.append(
      el(
        "td",
        { class: "row-actions" },
        issueList(rowIssues),
        el("button", { type: "button", class: "secondary preview-row" }, "Preview"),
        el(
          "a",
          { href: `/api/rows/${row.id}/pieces.pdf`, class: "button secondary", target: "_blank", rel: "noopener" },
          "Print this person's pieces",
        ),
        el("button", { type: "button", class: "danger remove-row" }, "Remove"),
      ),
    );
    return tr;
  }

  function draftRowElement() {
    const tr = el("tr", { class: "draft-row", "data-draft": "true" });
    tr.append(el("th", { scope: "row", class: "line" }, "new"));
    for (const column of state.columns) {
      tr.append(el("td", {}, el("input", { type: "text", "data-column": column, "aria-label": `${column} of the new person` })));
    }
    tr.append(
      el(
        "td",
        { class: "row-actions" },
        el("p", { class: "field-error", hidden: true }),
        el("button", { type: "button", class: "save-draft" }, "Save this person"),
        el("button", { type: "button", class: "secondary cancel-draft" }, "Cancel"),
      ),
    );
    return tr;
  }

  function renderTable() {
    const { box } = participantsParts();
    const focused = document.activeElement;
    const focus =
      focused && box.contains(focused) && focused.dataset.column
        ? { id: focused.closest("tr").dataset.id, column: focused.dataset.column, caret: focused.selectionStart }
        : null;
    const draft = box.querySelector("tr.draft-row");
    const problems = (state.problems || []).map((p) => el("li", { class: "issue issue-error" }, p));
    const head = el("tr", {}, el("th", { scope: "col" }, "Line"), state.columns.map((c) => el("th", { scope: "col" }, c)), el("th", { scope: "col" }, "Problems and actions"));
    const body = el("tbody", {}, state.rows.map(rowElement));
    if (draft) body.append(draft);
    const table = el("table", { class: "participants" }, el("thead", {}, head), body);
    const summary = `${state.rows.length} ${state.rows.length === 1 ? "person" : "people"}`;
    box.replaceChildren(
      problems.length ? el("ul", { class: "issues problems" }, problems) : "",
      el("p", { class: "table-summary" }, summary),
      el("div", { class: "table-scroll" }, table),
    );
    if (focus) {
      const selector = focus.id ? `tr[data-id="${focus.id}"] input[data-column="${CSS.escape(focus.column)}"]` : `tr.draft-row input[data-column="${CSS.escape(focus.column)}"]`;
      const input = box.querySelector(selector);
      if (input) {
        input.focus();
        if (focus.caret != null) input.setSelectionRange(focus.caret, focus.caret);
      }
    }
  }

  const rowById = (id) => state.rows.find((row) => String(row.id) === String(id));

  /** The cells of a table row as the inputs show them now: {column: value}. */
  function cellsOf(tr) {
    const cells = {};
    for (const input of tr.querySelectorAll("input[data-column]")) cells[input.dataset.column] = input.value;
    return cells;
  }

  /** Puts a row from the server (a RowView) into the state and the table; null = it is gone. */
  function putRow(id, view) {
    const index = state.rows.findIndex((row) => String(row.id) === String(id));
    for (const column of state.columns) state.drafts.delete(`${id}:${column}`);
    if (view && index >= 0) state.rows[index] = view;
    else if (view) state.rows.push(view);
    else if (index >= 0) state.rows.splice(index, 1);
    renderTable();
    renderRowPicker();
  }

  async function saveRow(tr) {
    const id = tr.dataset.id;
    const row = rowById(id);
    if (!row) return;
    const result = await api("PUT", `/api/rows/${id}`, { revision: row.revision, cells: cellsOf(tr) });
    if (result.status === 200) {
      putRow(id, result.data.row);
    } else if (result.status === 409) {
      notice(`${errorText(result)} The row now shows what is saved; make your change again if it is still needed.`, "warning");
      putRow(id, result.data && result.data.row);
    } else {
      notice(errorText(result), "error");
    }
  }

  async function removeRow(tr, button) {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Really remove?";
      setTimeout(() => {
        button.dataset.confirm = "";
        button.textContent = "Remove";
      }, 4000);
      return;
    }
    const id = tr.dataset.id;
    const row = rowById(id);
    const result = await api("DELETE", `/api/rows/${id}?revision=${row ? row.revision : 0}`);
    if (result.status === 204) {
      putRow(id, null);
    } else if (result.status === 409) {
      notice(`${errorText(result)} Nothing was removed.`, "warning");
      putRow(id, result.data && result.data.row);
    } else {
      notice(errorText(result), "error");
    }
  }

  async function saveDraft(tr) {
    const cells = cellsOf(tr);
    const result = await api("POST", "/api/rows", { cells });
    const box = tr.querySelector(".field-error");
    if (result.status === 201 || result.status === 200) {
      tr.remove();
      putRow(result.data.row.id, result.data.row);
      state.previewRow = result.data.row.id;
      renderRowPicker();
      refreshPreview();
    } else {
      box.textContent = errorText(result);
      box.hidden = false;
    }
  }

  function bindTable() {
    const { host, upload, add, box } = participantsParts();
    upload.addEventListener("change", async () => {
      const file = upload.files && upload.files[0];
      if (!file) return;
      const result = await api("PUT", "/api/participants", await file.text(), "text/csv");
      upload.value = "";
      if (result.status === 200) {
        notice(`Read ${file.name}.`, "ok");
        if (result.data.table) setTable(result.data.table);
        if ("counts" in result.data) renderCounts(result.data.counts, result.data.counts_error);
        refreshPreviewSoon();
      } else {
        notice(`${file.name}: ${errorText(result)}`, "error");
      }
    });
    add.addEventListener("click", () => {
      const body = box.querySelector("tbody");
      if (!body) return;
      let draft = body.querySelector("tr.draft-row");
      if (!draft) body.append((draft = draftRowElement()));
      draft.querySelector("input").focus();
    });
    host.addEventListener("input", (event) => {
      const input = event.target;
      const tr = input.closest("tr");
      if (!input.dataset.column || !tr) return;
      if (tr.dataset.id) state.drafts.set(`${tr.dataset.id}:${input.dataset.column}`, input.value);
      state.previewRow = tr.dataset.id || "draft";
      renderRowPicker();
      refreshPreviewSoon();
    });
    host.addEventListener("change", (event) => {
      const tr = event.target.closest("tr[data-id]");
      if (event.target.dataset.column && tr) saveRow(tr);
    });
    host.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      const tr = button && button.closest("tr");
      if (!tr) return;
      if (button.classList.contains("remove-row")) removeRow(tr, button);
      else if (button.classList.contains("save-draft")) saveDraft(tr);
      else if (button.classList.contains("cancel-draft")) tr.remove();
      else if (button.classList.contains("preview-row")) {
        state.previewRow = tr.dataset.id;
        renderRowPicker();
        refreshPreview();
        section("preview").scrollIntoView({ behavior: "smooth", block: "nearest" });
      }
    });
  }

  const LOST = "Lost the connection to letterkit serve (was it stopped?); trying again…";

  /** Waits for changes (phone sign-ins, other tabs) and shows them: long polls, one at a time. */
  async function followChanges() {
    for (;;) {
      let result;
      try {
        result = await api("GET", `/api/rows?since=${state.version}`);
      } catch (error) {
        notice(LOST, "warning");
        await sleep(2000);
        continue;
      }
      const box = document.getElementById("notice");
      if (box && box.textContent === LOST) notice("");
      if (result.status === 403) {
        notice(errorText(result), "error");
        return;
      }
      if (result.status !== 200 || !result.data) {
        await sleep(2000);
        continue;
      }
      if (result.data.version !== state.version) {
        state.version = result.data.version;
        if (result.data.table) setTable(result.data.table);
        if ("counts" in result.data) renderCounts(result.data.counts, result.data.counts_error);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // The preview

  /** A control with its label, in a `.control` wrapper. */
  const labelled = (id, text, control) => {
    control.id = id;
    return el("div", { class: "control" }, el("label", { for: id }, text), control);
  };

  /** The preview's controls in one row above the image: the shell's piece select, a person picker, pages. */
  function previewParts() {
    const host = section("preview");
    let controls = host.querySelector(".preview-controls");
    if (!controls) {
      controls = el("div", { class: "preview-controls" });
      const heading = host.querySelector("h2");
      if (heading) heading.after(controls);
      else host.prepend(controls);
      const piece = document.getElementById("preview-piece");
      const wrap = piece ? el("div", { class: "control" }, piece.labels[0] || "", piece) : labelled("preview-piece", "Piece", el("select", {}));
      controls.append(
        wrap,
        labelled("preview-row", "Person", el("select", {})),
        el(
          "div",
          { class: "control pager", id: "preview-pages" },
          el("button", { type: "button", class: "secondary", id: "preview-previous", "aria-label": "Previous page" }, "‹"),
          el("span", { id: "preview-page-label" }),
          el("button", { type: "button", class: "secondary", id: "preview-next", "aria-label": "Next page" }, "›"),
        ),
      );
    }
    const piece = document.getElementById("preview-piece");
    if (piece.options.length === 0) {
      for (const [value, label] of PIECES) piece.append(el("option", { value }, label));
    }
    const image = ensure("preview-image", host, () => el("img", { alt: "Preview of the chosen piece" }));
    const error = document.getElementById("preview-error") || el("p", { id: "preview-error", class: "field-error", role: "alert", hidden: true });
    if (!error.isConnected) image.before(error);
    return { piece, row: document.getElementById("preview-row"), pages: document.getElementById("preview-pages"), image, error };
  }

  function renderRowPicker() {
    const { row } = previewParts();
    const nameAt = state.columns.indexOf("name");
    const options = state.rows.map((r) => el("option", { value: String(r.id) }, `Line ${r.line}: ${r.cells[nameAt] || "(no name)"}`));
    if (document.querySelector("tr.draft-row")) options.push(el("option", { value: "draft" }, "The new person"));
    if (!options.length) options.push(el("option", { value: "" }, "Nobody yet: a sample person"));
    row.replaceChildren(...options);
    const wanted = state.previewRow != null ? String(state.previewRow) : null;
    if (wanted && [...row.options].some((o) => o.value === wanted)) row.value = wanted;
    state.previewRow = row.value || null;
  }

  /** The preview request for what the organiser sees now (drafts of the form and the row included). */
  function previewRequest(piece) {
    const request = { piece, row_id: null, cells: null, campaign: state.campaign, page: state.previewPage };
    const chosen = state.previewRow;
    if (chosen === "draft") {
      const tr = document.querySelector("tr.draft-row");
      if (tr) request.cells = cellsOf(tr);
    } else if (chosen) {
      request.row_id = Number(chosen);
      const tr = document.querySelector(`tr[data-id="${CSS.escape(String(chosen))}"]`);
      const edited = state.columns.some((column) => state.drafts.has(`${chosen}:${column}`));
      if (tr && edited) request.cells = cellsOf(tr);
    }
    return request;
  }

  async function refreshPreview() {
    const { piece, pages, image, error } = previewParts();
    if (!state.campaign) return;
    const seq = ++state.previewSeq;
    const host = section("preview");
    host.setAttribute("aria-busy", "true");
    let result;
    try {
      result = await api("POST", "/api/preview", previewRequest(piece.value));
    } finally {
      if (seq === state.previewSeq) host.removeAttribute("aria-busy");
    }
    if (seq !== state.previewSeq) return; // a newer preview is on its way
    if (result.status === 200) {
      const blob = await result.response.blob();
      if (seq !== state.previewSeq) return;
      if (state.previewUrl) URL.revokeObjectURL(state.previewUrl);
      state.previewUrl = URL.createObjectURL(blob);
      image.src = state.previewUrl;
      image.hidden = false;
      image.dataset.seq = String(seq);
      error.hidden = true;
      state.previewPages = Number(result.response.headers.get("X-Letterkit-Pages")) || 1;
    } else {
      error.textContent = errorText(result);
      error.hidden = false;
      image.hidden = true;
      state.previewPages = 1;
    }
    pages.hidden = state.previewPages < 2;
    document.getElementById("preview-page-label").textContent = `Page ${state.previewPage} of ${state.previewPages}`;
    document.getElementById("preview-previous").disabled = state.previewPage <= 1;
    document.getElementById("preview-next").disabled = state.previewPage >= state.previewPages;
  }

  const refreshPreviewSoon = debounce(refreshPreview, PREVIEW_DELAY_MS);

  function bindPreview() {
    const { piece, row } = previewParts();
    piece.addEventListener("change", () => {
      state.previewPage = 1;
      refreshPreview();
    });
    row.addEventListener("change", () => {
      state.previewRow = row.value || null;
      state.previewPage = 1;
      refreshPreview();
    });
    document.getElementById("preview-previous").addEventListener("click", () => {
      state.previewPage = Math.max(1, state.previewPage - 1);
      refreshPreview();
    });
    document.getElementById("preview-next").addEventListener("click", () => {
      state.previewPage = Math.min(state.previewPages, state.previewPage + 1);
      refreshPreview();
    });
  }

  // ---------------------------------------------------------------------------------------
  // Building the kit

  function buildParts() {
    const host = section("build");
    const button = ensure("build-kit", host, () => el("button", { type: "button" }, "Build the kit"));
    const progress = ensure("build-progress", host, () => el("div", {}));
    const files = ensure("build-files", host, () => el("ul", {}));
    const zip = ensure("download-zip", host, () => el("a", { class: "button" }, "Download everything as one zip"));
    return { button, progress, files, zip };
  }

  function renderBuild(status) {
    const { button, progress, files, zip } = buildParts();
    const running = status.state === "running";
    button.disabled = running;
    button.setAttribute("aria-busy", running ? "true" : "false");
    const bar = progress.tagName === "PROGRESS" ? progress : progress.querySelector("progress") || progress.appendChild(el("progress", {}));
    const label =
      progress.tagName === "PROGRESS"
        ? document.getElementById("build-status") || afterNode(progress, el("span", { id: "build-status", "aria-live": "polite" }))
        : progress.querySelector(".progress-text") || progress.appendChild(el("span", { "aria-live": "polite" }));
    if (status.total > 0) {
      bar.max = status.total;
      bar.value = status.done;
    } else if (running) {
      bar.removeAttribute("value"); // indeterminate until the plan is made
    }
    bar.hidden = status.state === "idle";
    const text = {
      idle: "",
      running: `Building… ${status.done} of ${status.total || "?"} pieces`,
      done: status.summary || "The kit is ready.",
      failed: `The build failed: ${status.error || "see the terminal"}`,
    }[status.state];
    label.textContent = text || "";
    label.className = `progress-text ${status.state === "failed" ? "field-error" : ""}`;
    progress.dataset.state = status.state;
    const links = status.state === "done" ? status.files || [] : [];
    const items = links.map((file) =>
      el("li", {}, el("a", { href: `/files/${encodeURIComponent(file.name)}`, download: file.name }, file.name), ` (${formatBytes(file.bytes)})`),
    );
    if (files.tagName === "UL" || files.tagName === "OL") files.replaceChildren(...items);
    else files.replaceChildren(items.length ? el("ul", {}, items) : "");
    zip.href = "/kit.zip";
    zip.setAttribute("download", "kit.zip");
    zip.hidden = status.state !== "done";
  }

  /** Puts `node` right after `anchor` and returns it. */
  function afterNode(anchor, node) {
    anchor.after(node);
    return node;
  }

  function formatBytes(bytes) {
    if (bytes >= 1048576) return `${(bytes / 1048576).toFixed(1)} MB`;
    if (bytes >= 1024) return `${Math.round(bytes / 1024)} kB`;
    return `${bytes} bytes`;
  }

  async function followBuild() {
    for (;;) {
      await sleep(400);
      const result = await api("GET", "/api/build");
      if (result.status !== 200) {
        notice(errorText(result), "error");
        return;
      }
      renderBuild(result.data);
      if (result.data.state !== "running") return;
    }
  }

  function bindBuild() {
    const { button } = buildParts();
    button.addEventListener("click", async () => {
      button.disabled = true;
      const result = await api("POST", "/api/build");
      if (result.status === 202 || result.status === 409) {
        if (result.status === 202 && result.data) renderBuild(result.data);
        followBuild();
      } else {
        button.disabled = false;
        notice(errorText(result), "error");
      }
    });
  }

  // ---------------------------------------------------------------------------------------
  // Counts and the sign-in QR code

  function renderCounts(counts, problem) {
    const host = section("counts");
    if (!host) return;
    const box = slot(host, "counts");
    if (!counts) {
      box.replaceChildren(el("p", { class: "field-error" }, problem || "The counts are not available."));
      return;
    }
    const entries = [
      ["Letters", counts.letters],
      ["Cards", counts.cards],
      ["Postcards", counts.postcards],
      ["Envelopes", counts.envelopes],
      ["Pieces in all", counts.pieces],
      ["Postage", counts.postage],
    ];
    box.replaceChildren(
      el("dl", { class: "counts" }, entries.map(([label, value]) => el("div", {}, el("dt", {}, label), el("dd", {}, String(value))))),
      counts.postage_note ? el("p", { class: "hint" }, counts.postage_note) : "",
    );
  }

  function renderSignIn(lan) {
    const host = section("signin");
    if (!host) return;
    if (host.querySelector(":scope > :not(h2, .slot)")) return; // the shell says it already
    const box = slot(host, "signin");
    if (!lan) {
      box.replaceChildren(el("p", { class: "hint" }, "To let people sign in from their phones, start letterkit with: letterkit serve --lan"));
      return;
    }
    const qr = el("img", {
      class: "qr",
      src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(lan.qr_svg)}`,
      alt: "QR code of the sign-in page",
      width: 220,
      height: 220,
    });
    box.replaceChildren(
      qr,
      el("p", {}, "Phones on this network sign in at: ", el("a", { href: lan.url, class: "signin-url" }, lan.url)),
    );
  }

  // ---------------------------------------------------------------------------------------
  // Start

  async function start() {
    participantsParts();
    previewParts();
    buildParts();
    bindCampaign();
    bindTable();
    bindPreview();
    bindBuild();
    const result = await api("GET", "/api/state");
    if (result.status !== 200) {
      notice(errorText(result), "error");
      return;
    }
    const data = result.data;
    state.version = data.version;
    state.campaign = data.campaign;
    renderCampaign();
    showCampaignErrors(data.campaign_errors);
    setTable(data.table);
    renderCounts(data.counts, data.counts_error);
    renderSignIn(data.lan);
    renderBuild(data.build);
    if (data.build && data.build.state === "running") followBuild();
    refreshPreview();
    followChanges();
  }

  /** Starts the page; a failure shows in the status line rather than only in the console. */
  function run() {
    start().catch((error) => notice(`This page stopped working: ${error.message}. Reload it to try again.`, "error"));
  }

  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason && event.reason.message ? event.reason.message : String(event.reason);
    notice(`Something went wrong: ${reason}. Reload the page to try again.`, "error");
  });
  document.documentElement.classList.add("js");
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
})();
