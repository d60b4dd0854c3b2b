// Shegong field app: the station's working set and an outbox in IndexedDB (idb-keyval),
// recording with no signal, and sending through the ordinary API when the signal returns.
//
// - "ws": the working set (villages, staff, households, people masked, open cases, groups,
//   today's activities, my visits) with the change feed's cursor and when it was saved.
//   It expires after the session's idle timeout plus a grace (config.maxAgeSeconds).
// - "outbox": items {id (the Idempotency-Key), kind, method, url, body, ifMatch, photos
//   (Blobs), refs, status: pending|sent|refused|conflict, reason, current, serverId}.
// Logging out clears both (and the server answers the logout with Clear-Site-Data).
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("field-config").textContent);
  if (!config.station) return;
  const idb = window.idbKeyval;
  const $ = (sel, root = document) => root.querySelector(sel);
  const words = {};
  document
    .getElementById("t-words")
    .content.querySelectorAll("[data-w]")
    .forEach((el) => (words[el.dataset.w] = el.textContent.trim()));
  const say = (key, params = {}) =>
    (words[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));
  let ws = null;
  let outbox = [];
  let syncing = false;

  // ----- storage ---------------------------------------------------------------------------
  const saveOutbox = () => idb.set("outbox", outbox);
  async function load() {
    ws = (await idb.get("ws")) || null;
    outbox = (await idb.get("outbox")) || [];
    if (ws && (ws.user !== config.user || Date.now() - ws.savedAt > config.maxAgeSeconds * 1000)) {
      const expired = ws.user === config.user;
      ws = null;
      await idb.del("ws");
      if (expired) notice(say("expired"));
    }
  }

  // ----- the screen ------------------------------------------------------------------------
  function notice(text) {
    const box = $("#field-alert");
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }
  function showNet() {
    const el = $("#net-status");
    el.textContent = navigator.onLine ? say("online") : say("offline");
    el.className = "badge " + (navigator.onLine ? "text-bg-success" : "text-bg-secondary");
  }
  // Today as the server counts it (its zone, Asia/Shanghai), not the phone's: a phone set to
  // another zone would date the work a day off around midnight China time: a day behind,
  // or a day ahead and refused ("not after today").
  function today() {
    const parts = {};
    new Intl.DateTimeFormat("en-US", {
      timeZone: config.timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    })
      .formatToParts(new Date())
      .forEach((p) => (parts[p.type] = p.value));
    return `${parts.year}-${parts.month}-${parts.day}`;
  }
  function option(value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }
  function localPeople() {
    // people of the working set, and those registered on this phone and not yet sent
    const people = ws ? ws.people.slice() : [];
    for (const item of outbox) {
      if (item.kind === "recipient" && item.status !== "sent" && item.status !== "refused") {
        people.push({
          id: null,
          ref: item.id,
          name: item.body.name,
          name_initials: item.initials || "",
          region_id: item.body.region,
          id_number_masked: "",
          pending: true,
        });
      }
    }
    return people;
  }
  function render() {
    showNet();
    const pending = outbox.filter((i) => i.status === "pending").length;
    $("#pending-count").textContent = String(pending);
    $("#ws-status").textContent = ws
      ? say("loaded", {
          people: ws.people.length,
          when: new Date(ws.savedAt).toLocaleString(undefined, { timeZone: config.timeZone }),
        })
      : say("none");
    if (!ws) return;
    const villages = ws.villages.map((v) => [v.code, v.name]);
    document.querySelectorAll("select[data-villages]").forEach((select) => {
      const keep = select.value;
      select.replaceChildren();
      if (select.hasAttribute("data-township")) {
        select.appendChild(option(ws.township, ws.station_name));
      }
      villages.forEach(([code, name]) => select.appendChild(option(code, name)));
      if (keep) select.value = keep;
    });
    const groups = $("#s-group");
    const chosenGroup = groups.value;
    groups.replaceChildren(...ws.groups.map((g) => option(g.id, `${g.name}（${g.number}）`)));
    if (chosenGroup) groups.value = chosenGroup;
    renderMembers();
    renderCases();
    const mine = $("#my-visits");
    mine.replaceChildren(
      ...ws.visits.map((v) => {
        const li = document.createElement("li");
        li.className = "list-group-item d-flex justify-content-between align-items-center";
        const person = ws.people.find((p) => p.id === v.recipient_id);
        li.textContent = `${v.date} ${person ? person.name : ""} · ${v.situation.slice(0, 24)}`;
        const b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-sm btn-outline-primary";
        b.textContent = say("correct");
        b.dataset.testid = "correct-visit";
        b.addEventListener("click", () => editVisit(v));
        li.appendChild(b);
        return li;
      })
    );
    $("#today-activities").replaceChildren(
      ...ws.activities.map((a) => {
        const li = document.createElement("li");
        li.className = "list-group-item";
        li.textContent = `${a.date} ${a.title}`;
        return li;
      })
    );
    renderOutbox();
  }
  function renderMembers() {
    const group = ws && ws.groups.find((g) => String(g.id) === $("#s-group").value);
    const box = $("#s-members");
    box.replaceChildren(
      ...(group ? group.member_ids : []).map((pk) => {
        const person = ws.people.find((p) => p.id === pk);
        const div = document.createElement("div");
        div.className = "form-check";
        div.innerHTML = `<input class="form-check-input" type="checkbox" name="attendees" value="${pk}" id="att-${pk}"><label class="form-check-label" for="att-${pk}"></label>`;
        div.querySelector("label").textContent = person ? person.name : `#${pk}`;
        return div;
      })
    );
  }
  function renderCases() {
    // cases at intervention: the step recorded in the field (the others need the full site)
    const select = $("#c-case");
    const keep = select.value;
    const open = ws.cases.filter((c) => c.stage === "intervention");
    select.replaceChildren(
      ...open.map((c) => {
        const person = ws.people.find((p) => p.id === c.recipient_id);
        return option(c.id, `${c.number} · ${person ? person.name : ""}`);
      })
    );
    if (keep) select.value = keep;
    $("#c-none").textContent = open.length ? "" : say("no-cases");
  }
  function renderOutbox() {
    const list = $("#outbox");
    list.replaceChildren(
      ...outbox
        .slice()
        .reverse()
        .map((item) => {
          const li = document.createElement("li");
          li.className = "list-group-item";
          li.dataset.status = item.status;
          li.dataset.testid = "outbox-item";
          const title = document.createElement("div");
          const badge = { pending: "warning", sent: "success", refused: "danger", conflict: "danger" }[
            item.status
          ];
          title.innerHTML = `<span class="badge text-bg-${badge} me-1"></span><strong></strong> <span class="text-muted"></span>`;
          title.querySelector(".badge").textContent = say(item.status);
          title.querySelector("strong").textContent = say("k-" + item.label);
          title.querySelector(".text-muted").textContent =
            item.summary + (item.photos && item.photos.length ? ` · ${item.photos.length} ${say("photos")}` : "");
          li.appendChild(title);
          if (item.reason) {
            const reason = document.createElement("div");
            reason.className = "text-danger";
            reason.dataset.testid = "outbox-reason";
            reason.textContent = item.reason;
            li.appendChild(reason);
          }
          if (item.status === "conflict" && item.current) li.appendChild(conflictView(item));
          if (item.status === "refused") {
            li.appendChild(button(say("discard"), "btn-outline-secondary", () => drop(item)));
          }
          return li;
        })
    );
  }
  function button(text, kind, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `btn btn-sm ${kind} me-2 mt-1`;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }
  function conflictView(item) {
    // both versions, field by field where they differ, for the worker to choose
    const box = document.createElement("div");
    box.className = "border rounded p-2 mt-1";
    box.dataset.testid = "conflict";
    const table = document.createElement("table");
    table.className = "table table-sm mb-1";
    table.innerHTML = `<thead><tr><th></th><th></th><th></th></tr></thead><tbody></tbody>`;
    const head = table.querySelectorAll("th");
    head[1].textContent = say("mine");
    head[2].textContent = say("theirs");
    for (const [field, mine] of Object.entries(item.body)) {
      const theirs = item.current[field];
      if (theirs === undefined || JSON.stringify(theirs) === JSON.stringify(mine)) continue;
      const tr = document.createElement("tr");
      tr.innerHTML = "<td></td><td data-side=mine></td><td data-side=theirs></td>";
      tr.children[0].textContent = field;
      tr.children[1].textContent = Array.isArray(mine) ? mine.join("、") : String(mine);
      tr.children[2].textContent = Array.isArray(theirs) ? theirs.join("、") : String(theirs);
      table.tBodies[0].appendChild(tr);
    }
    box.appendChild(table);
    box.appendChild(
      button(say("keep-mine"), "btn-primary", async () => {
        item.ifMatch = item.current.version;
        item.status = "pending";
        item.current = null;
        item.reason = "";
        item.id = crypto.randomUUID(); // a new request: a new key
        await saveOutbox();
        render();
        sync();
      })
    );
    box.appendChild(button(say("keep-theirs"), "btn-outline-secondary", () => drop(item)));
    return box;
  }
  async function drop(item) {
    outbox = outbox.filter((i) => i !== item);
    await saveOutbox();
    render();
  }

  // ----- person search (offline, from the working set) -----------------------------------
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    return localPeople()
      .filter(
        (p) =>
          p.name.includes(q) ||
          (p.name_initials || "").toLowerCase().startsWith(q) ||
          (/^\d{4}$|^\d{3}[0-9x]$/i.test(q) && (p.id_number_masked || "").toLowerCase().endsWith(q))
      )
      .slice(0, 20);
  }
  $("#visit-q").addEventListener("input", (event) => {
    const results = $("#visit-results");
    const found = search(event.target.value);
    results.replaceChildren(
      ...found.map((p) => {
        const a = document.createElement("button");
        a.type = "button";
        a.className = "list-group-item list-group-item-action";
        const village = ws && ws.villages.find((v) => v.code === p.region_id);
        a.textContent = `${p.name} · ${village ? village.name : ""}${p.pending ? " · " + say("new") : ""}`;
        a.addEventListener("click", () => choosePerson(p));
        return a;
      })
    );
    if (event.target.value && !found.length) {
      const none = document.createElement("div");
      none.className = "text-muted";
      none.textContent = say("nobody");
      results.appendChild(none);
    }
  });
  function choosePerson(p) {
    const form = $("#form-visit");
    form.recipient.value = p.id || "";
    form.recipient_ref.value = p.ref || "";
    form.dataset.region = p.region_id;
    $("#visit-chosen").textContent = p.name;
    $("#visit-results").replaceChildren();
    $("#visit-q").value = "";
  }
  function editVisit(v) {
    const form = $("#form-visit");
    const person = ws.people.find((p) => p.id === v.recipient_id);
    choosePerson(person || { id: v.recipient_id, name: `#${v.recipient_id}`, region_id: v.region_id });
    form.edit_id.value = v.id;
    form.edit_version.value = v.version;
    form.date.value = v.date;
    form.hours.value = v.hours;
    form.domain.value = v.domain;
    form.situation.value = v.situation;
    form.needs.value = v.needs;
    $("#visit-editing").classList.remove("d-none");
    form.scrollIntoView();
  }
  $("#visit-edit-cancel").addEventListener("click", () => resetVisit());
  function resetVisit() {
    const form = $("#form-visit");
    form.reset();
    form.date.value = today();
    form.edit_id.value = "";
    form.edit_version.value = "";
    form.recipient.value = "";
    form.recipient_ref.value = "";
    $("#visit-chosen").textContent = "";
    $("#visit-editing").classList.add("d-none");
  }
  $("#s-group").addEventListener("change", renderMembers);

  // ----- recording: forms go into the outbox ----------------------------------------------
  const values = (form) => {
    const data = {};
    for (const [name, value] of new FormData(form).entries()) {
      if (value instanceof File) continue;
      if (name in data) data[name] = [].concat(data[name], value);
      else data[name] = value;
    }
    return data;
  };
  async function enqueue(item) {
    item.id = crypto.randomUUID();
    item.status = "pending";
    item.created = Date.now();
    outbox.push(item);
    await saveOutbox();
    notice(say("saved"));
    render();
    sync();
  }
  function missing(form) {
    return [...form.querySelectorAll("[required]")].some((el) => !String(el.value).trim());
  }
  $("#form-visit").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (!form.recipient.value && !form.recipient_ref.value) return notice(say("choose"));
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    const body = {
      date: d.date,
      region: form.dataset.region,
      workers: [config.user],
      hours: d.hours,
      situation: d.situation,
      needs: d.needs || "",
      domain: d.domain || null,
    };
    const refs = {};
    if (d.recipient) body.recipient = Number(d.recipient);
    else refs.recipient = d.recipient_ref; // a person registered on this phone, not yet sent
    const photos = [...form.photo.files];
    const editing = d.edit_id;
    await enqueue({
      kind: "visit",
      label: editing ? "visit-edit" : "visit",
      method: editing ? "PUT" : "POST",
      url: editing ? `/api/visits/${editing}` : "/api/visits",
      ifMatch: editing ? Number(d.edit_version) : null,
      body,
      refs,
      photos,
      summary: `${d.date} ${$("#visit-chosen").textContent}`,
    });
    resetVisit();
  });
  $("#form-person").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    const body = {
      name: d.name,
      id_number: d.id_number || "",
      sex: d.sex || null,
      phone: d.phone || "",
      region: d.region,
      address: d.address || "",
      categories: [].concat(d.categories || []).map(Number),
      consent: d.consent,
      consent_giver: d.consent_giver || null,
      consent_date: d.consent_date || null,
      new_household: !!d.new_household,
    };
    await enqueue({
      kind: "recipient",
      label: "recipient",
      method: "POST",
      url: "/api/recipients",
      body,
      refs: {},
      photos: [],
      summary: d.name,
    });
    form.reset();
  });
  $("#form-case").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    await enqueue({
      kind: "case_entry",
      label: "case_entry",
      method: "POST",
      url: `/api/cases/${d.case}/steps/entry`,
      body: { date: d.date, hours: d.hours, in_village: !!d.in_village, content: d.content },
      refs: {},
      photos: [],
      summary: `${d.date} ${form.case.selectedOptions[0].textContent}`,
    });
    form.content.value = "";
  });
  $("#form-session").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    const group = ws.groups.find((g) => String(g.id) === d.group);
    await enqueue({
      kind: "session",
      label: "session",
      method: "POST",
      url: `/api/groups/${d.group}/sessions`,
      body: {
        date: d.date,
        hours: d.hours,
        attendees: [].concat(d.attendees || []).map(Number),
        others_count: Number(d.others_count || 0),
        in_village: !!d.in_village,
        record: d.record,
      },
      refs: {},
      photos: [],
      summary: `${d.date} ${group ? group.name : ""}`,
    });
    form.reset();
    form.date.value = today();
    renderMembers();
  });
  $("#form-activity").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    await enqueue({
      kind: "activity",
      label: "activity",
      method: "POST",
      url: "/api/activities",
      body: {
        title: d.title,
        domain: d.domain,
        service_type: d.service_type,
        date: d.date,
        region: d.region,
        workers: [config.user],
        hours: d.hours,
        participants_count: Number(d.participants_count || 0),
        volunteers_count: Number(d.volunteers_count || 0),
        description: d.description || "",
        resources: [],
      },
      refs: {},
      photos: [],
      summary: `${d.date} ${d.title}`,
    });
    form.reset();
    form.date.value = today();
  });
  $("#form-admin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    if (missing(form)) return notice(say("required"));
    const d = values(form);
    await enqueue({
      kind: "admin_work",
      label: "admin_work",
      method: "POST",
      url: "/api/admin-work",
      body: {
        date: d.date,
        task: d.task,
        hours: d.hours,
        region: d.region,
        in_village: !!d.in_village,
        description: d.description || "",
      },
      refs: {},
      photos: [],
      summary: `${d.date} ${form.task.selectedOptions[0].textContent}`,
    });
    form.reset();
    form.date.value = today();
  });

  // ----- sending: each item once, whatever the retries ------------------------------------
  async function csrfToken() {
    const r = await fetch(config.csrfUrl, { credentials: "same-origin", redirect: "manual" });
    if (!r.ok) throw new Error("login");
    return (await r.json()).token;
  }
  function reasonOf(answer) {
    const parts = [];
    if (answer && answer.errors) {
      for (const [field, messages] of Object.entries(answer.errors)) {
        parts.push((field === "__all__" ? "" : field + "：") + [].concat(messages).join("；"));
      }
    }
    return parts.join("；") || (answer && answer.detail) || "";
  }
  async function send(item, token) {
    const body = { ...item.body };
    for (const [field, ref] of Object.entries(item.refs || {})) {
      const done = outbox.find((i) => i.id === ref);
      if (!done || done.status !== "sent") return; // waits for the person to be sent first
      body[field] = done.serverId;
    }
    const headers = {
      "Content-Type": "application/json",
      "Idempotency-Key": item.id,
      "X-CSRFToken": token,
    };
    if (item.ifMatch) headers["If-Match"] = `"${item.ifMatch}"`;
    const r = await fetch(item.url, {
      method: item.method,
      headers,
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const answer = await r.json().catch(() => ({}));
    if (r.status === 200 || r.status === 201) {
      item.serverId = answer.id;
      item.status = "sent";
      item.reason = "";
    } else if (r.status === 409 && answer.current) {
      item.status = "conflict";
      item.current = answer.current;
      item.reason = answer.detail;
    } else if (r.status === 401 || (r.status === 403 && /second factor|二次验证/.test(answer.detail || ""))) {
      throw new Error("login");
    } else if (r.status === 409 || r.status >= 500) {
      return; // busy or broken: stays pending, tried again later
    } else {
      item.status = "refused";
      item.reason = reasonOf(answer);
    }
    await saveOutbox();
  }
  async function sendPhotos(item, token) {
    while (item.photos && item.photos.length && item.status === "sent") {
      const blob = item.photos[0];
      const data = new FormData();
      data.append("photo", blob, blob.name || "photo.jpg");
      const r = await fetch(`/api/visits/${item.serverId}/photos`, {
        method: "POST",
        headers: { "Idempotency-Key": `${item.id}-p${item.photoCount || 0}`, "X-CSRFToken": token },
        body: data,
        credentials: "same-origin",
      });
      if (r.status >= 500 || r.status === 409) return;
      if (r.status >= 400) {
        const answer = await r.json().catch(() => ({}));
        item.reason = reasonOf(answer);
      }
      item.photos.shift();
      item.photoCount = (item.photoCount || 0) + 1;
      await saveOutbox();
    }
  }
  async function sync() {
    if (syncing || !navigator.onLine) return render();
    syncing = true;
    try {
      const token = await csrfToken();
      for (const item of outbox.slice()) {
        try {
          if (item.status === "pending") await send(item, token);
          if (item.status === "sent") await sendPhotos(item, token);
        } catch (error) {
          if (error.message === "login") throw error;
          break; // the signal went: the rest waits
        }
      }
      await refresh();
      notice("");
    } catch (error) {
      if (error.message === "login") {
        notice(say("login"));
      }
    } finally {
      syncing = false;
      render();
    }
  }
  // the working set: downloaded once, then refreshed from the change feed
  const KEEP = {
    recipient: "people",
    household: "households",
    case: "cases",
    group: "groups",
    activity: "activities",
    visit: "visits",
  };
  async function refresh() {
    if (!ws) {
      const r = await fetch(config.workingSetUrl, { credentials: "same-origin" });
      if (r.status === 401) throw new Error("login");
      if (!r.ok) return;
      ws = await r.json();
    } else {
      for (;;) {
        const r = await fetch(`${config.changesUrl}?cursor=${ws.cursor}`, {
          credentials: "same-origin",
        });
        if (r.status === 401) throw new Error("login");
        if (!r.ok) return;
        const page = await r.json();
        for (const change of page.items) {
          const list = KEEP[change.kind];
          if (!list) continue;
          ws[list] = ws[list].filter((x) => x.id !== change.id);
          const keep =
            change.record &&
            !(change.kind === "visit" && (change.record.voided_at || !change.record.worker_ids.includes(config.user))) &&
            !(change.kind === "case" && change.record.stage === "closed");
          if (keep) ws[list].push(change.record);
        }
        ws.cursor = page.cursor;
        if (!page.more) break;
      }
    }
    ws.user = config.user;
    ws.savedAt = Date.now();
    await idb.set("ws", ws);
  }

  // ----- logging out clears the phone -------------------------------------------------------
  $("#field-logout").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (outbox.some((i) => i.status === "pending" || i.status === "conflict")) {
      if (!window.confirm(say("unsent"))) return;
    }
    await idb.clear();
    if (window.caches) {
      for (const key of await caches.keys()) await caches.delete(key);
    }
    event.target.submit();
  });

  // ----- start --------------------------------------------------------------------------------
  $("#sync-now").addEventListener("click", () => sync());
  window.addEventListener("online", () => sync());
  window.addEventListener("offline", render);
  document.querySelectorAll('input[type="date"]').forEach((el) => (el.value = today()));
  // the service worker first (it caches the shell in the background), then the data: one
  // request at a time is kinder to a weak signal, and to a small server
  const pause = (ms) => new Promise((done) => setTimeout(done, ms));
  const shellReady =
    "serviceWorker" in navigator
      ? navigator.serviceWorker
          .register(config.serviceWorkerUrl, { scope: config.appUrl })
          .then(() => Promise.race([navigator.serviceWorker.ready, pause(3000)]))
          .catch(() => null)
      : Promise.resolve();
  Promise.all([load(), shellReady]).then(() => {
    render();
    sync();
  });
  setInterval(sync, 60000);
})();
