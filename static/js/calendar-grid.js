/* The registrar's time grid (templates/scheduling/_calendar_grid.html), on Event Calendar.
 *
 * Data comes from the page (json_script "calendar-options"): columns, sessions, shading, the
 * location's hours. Times are the location's wall clock, written without an offset, so the grid shows
 * the location's time whatever the browser's zone; the same strings go back to the server.
 * A drop asks the move preview (the move form's service), shows its proposal, and confirms with its
 * fingerprint; anything refused or cancelled puts the block back. No inline script or style: the CSP.
 */
(function () {
  "use strict";

  var holder = document.getElementById("calendar-grid");
  var source = document.getElementById("calendar-options");
  if (!holder || !source || !window.EventCalendar) {
    return;
  }
  var options = JSON.parse(source.textContent);
  var dialog = document.getElementById("move-dialog");
  var errorBox = document.getElementById("calendar-error");
  var pending = null; // {sessionId, day, time, revert, fingerprint}

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  // The grid's dates carry the location's wall clock in their local fields (no offset was given).
  function dayOf(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function timeOf(date) {
    return pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function csrfToken() {
    var field = document.querySelector("#move-dialog-form [name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function showError(messages) {
    if (!errorBox) {
      return;
    }
    errorBox.textContent = messages.join(" ");
    errorBox.classList.toggle("d-none", messages.length === 0);
  }

  function isFree(resourceId, date) {
    var at = dayOf(date) + "T" + timeOf(date) + ":00";
    return options.events.some(function (e) {
      return (
        e.display === "background" &&
        e.classNames.indexOf("ec-free") >= 0 &&
        e.resourceIds.map(String).indexOf(String(resourceId)) >= 0 && // the grid keeps ids as strings
        e.start <= at &&
        at < e.end
      );
    });
  }

  function content(info) {
    var event = info.event;
    var props = event.extendedProps || {};
    if (event.display === "background") {
      return event.title ? { html: '<span class="ec-bg-label">' + esc(event.title) + "</span>" } : "";
    }
    var warnings = (props.warnings || []).map(function (w) {
      return '<span class="ec-s-warning">' + esc(w) + "</span>";
    });
    // A real link (the course page, where the move form is): focusable, and what a screen reader expects.
    return {
      html:
        '<a class="ec-s-link" draggable="false" href="' + esc(props.url) + '" aria-label="' + esc(label(event)) + '" title="' + esc(label(event)) + '">' +
        '<span class="ec-s-time">' + esc(props.time) + "</span> " +
        '<span class="ec-s-patient">' + esc(event.title) + "</span></a>" +
        '<span class="ec-s-detail">' + esc(props.procedure) + (props.place ? " · " + esc(props.place) : "") + "</span>" +
        (props.rooms && options.by !== "room" ? '<span class="ec-s-detail">' + esc(props.rooms) + "</span>" : "") +
        warnings.join(""),
    };
  }

  function label(event) {
    var props = event.extendedProps || {};
    var parts = [props.time, event.title, props.procedure, props.place, props.rooms].concat(props.warnings || []);
    return parts.filter(Boolean).join(", ");
  }

  function labelEvent(info) {
    if (info.event.display !== "background") {
      info.el.dataset.sessionId = info.event.id;
    }
  }

  function post(url, fields) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken());
    Object.keys(fields).forEach(function (name) {
      if (fields[name] !== null && fields[name] !== undefined && fields[name] !== "") {
        body.append(name, fields[name]);
      }
    });
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return { ok: false, problems: [dialog.dataset.failed || "Error " + response.status] };
        });
    });
  }

  function moveUrl(sessionId, what) {
    var url = what === "confirm" ? options.confirmUrl : options.previewUrl; // made for session 0
    return url.replace("/0/", "/" + encodeURIComponent(sessionId) + "/");
  }

  function fields() {
    var shift = document.getElementById("move-shift");
    return {
      day: pending.day,
      time: pending.time,
      shift_following: shift && shift.checked ? "on" : "",
    };
  }

  function fill(answer) {
    document.getElementById("move-summary").textContent = answer.summary || "";
    document.getElementById("move-table").innerHTML = answer.table || "";
    var problems = document.getElementById("move-problems");
    var list = problems.querySelector("ul");
    list.textContent = "";
    (answer.problems || []).forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    problems.classList.toggle("d-none", !(answer.problems || []).length);
    document.getElementById("move-following").classList.toggle("d-none", !answer.following);
    document.getElementById("move-confirm").disabled = !answer.ok;
    pending.fingerprint = answer.ok ? answer.fingerprint : "";
  }

  function preview() {
    return post(moveUrl(pending.sessionId, "preview"), fields()).then(function (answer) {
      fill(answer);
      if (!dialog.open) {
        dialog.showModal();
      }
      return answer;
    });
  }

  function startMove(sessionId, day, time, revert) {
    showError([]);
    pending = { sessionId: sessionId, day: day, time: time, revert: revert || null, fingerprint: "" };
    var shift = document.getElementById("move-shift");
    if (shift) {
      shift.checked = false;
    }
    preview();
  }

  function close(reverting) {
    if (pending && reverting && pending.revert) {
      pending.revert();
    }
    pending = null;
    if (dialog.open) {
      dialog.close();
    }
  }

  function confirmMove() {
    if (!pending || !pending.fingerprint) {
      return;
    }
    var data = fields();
    data.expected = pending.fingerprint;
    document.getElementById("move-confirm").disabled = true;
    post(moveUrl(pending.sessionId, "confirm"), data).then(function (answer) {
      if (answer.ok) {
        pending = null;
        var query = new URLSearchParams(window.location.search);
        query.delete("move");
        query.set("date", data.day);
        window.location.assign(window.location.pathname + "?" + query.toString());
        return;
      }
      if (answer.code === "plan_changed") {
        preview().then(function () {
          fill({ ok: false, problems: answer.problems, table: document.getElementById("move-table").innerHTML });
        });
        return;
      }
      fill({
        ok: false,
        problems: answer.problems,
        summary: document.getElementById("move-summary").textContent,
        table: document.getElementById("move-table").innerHTML,
      });
    });
  }

  function onDrop(info) {
    if (info.newResource && info.oldResource) {
      info.revert();
      showError([dialog.dataset.sameColumn]);
      return;
    }
    startMove(info.event.id, dayOf(info.event.start), timeOf(info.event.start), info.revert);
  }

  function onDateClick(info) {
    var resourceId = info.resource ? info.resource.id : null;
    if (options.moving) {
      startMove(options.moving, dayOf(info.date), timeOf(info.date), null);
      return;
    }
    if (!options.bookUrl) {
      return;
    }
    if (resourceId === null || !isFree(resourceId, info.date)) {
      showError([dialog.dataset.notFree]);
      return;
    }
    var query = new URLSearchParams({ location: options.location, day: dayOf(info.date), time: timeOf(info.date) });
    if (options.by === "clinician") {
      query.set("clinician", resourceId);
    }
    window.location.assign(options.bookUrl + "?" + query.toString());
  }

  // Event Calendar draws "now" from the browser's clock in the browser's zone, while the grid's times
  // are the location's wall clock: where the two zones differ now, its line would be hours off (a
  // browser set to UTC drew 12:15 on a Moscow grid at 15:15), so it is drawn only where they agree.
  function browserKeepsLocationTime(offset) {
    var m = /^([+-])(\d\d):(\d\d)$/.exec(offset || "");
    if (!m) {
      return false;
    }
    var minutes = (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10));
    return minutes === -new Date().getTimezoneOffset();
  }

  var columns = options.resources.length * (options.view === "resourceTimeGridWeek" ? 7 : 1);
  holder.style.minWidth = Math.max(columns, 1) * 7.5 + 4 + "rem"; // CSSOM: allowed by the CSP
  var calendar = window.EventCalendar.create(holder, {
    view: options.view,
    date: options.date,
    resources: options.resources,
    events: options.events,
    headerToolbar: { start: "", center: "", end: "" },
    locale: options.language,
    firstDay: 1,
    allDaySlot: false,
    slotMinTime: options.hours[0],
    slotMaxTime: options.hours[1],
    scrollTime: options.hours[0],
    slotDuration: "00:15",
    slotLabelInterval: "01:00",
    slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    dayHeaderFormat: { weekday: "short", day: "numeric", month: "short" },
    datesAboveResources: true,
    height: "auto",
    nowIndicator: browserKeepsLocationTime(options.nowOffset),
    editable: options.editable,
    eventStartEditable: options.editable,
    eventDurationEditable: false,
    eventContent: content,
    eventDidMount: labelEvent,
    eventDrop: onDrop,
    dateClick: onDateClick,
  });
  window.clinicCalendar = calendar; // for the browser tests and the console

  // Event Calendar marks its grid up as an ARIA table whose rows also hold its toolbar and the event
  // blocks, which assistive technology cannot read as a table (axe: aria-required-children). Here the
  // grid is a labelled region of buttons (each session's, with its time, patient and procedure) and
  // the free times are listed under it, so the table roles are dropped, now and as blocks are redrawn.
  var tableRoles = "[role=table],[role=row],[role=rowgroup],[role=cell],[role=columnheader],[role=rowheader]";
  var tableAttributes = ["aria-colindex", "aria-colspan", "aria-rowindex", "aria-rowspan", "aria-colcount"];
  var tableMarks = tableRoles + "," + tableAttributes.map(function (name) { return "[" + name + "]"; }).join(",");
  function flatten() {
    Array.prototype.forEach.call(holder.querySelectorAll(tableMarks), function (el) {
      el.removeAttribute("role");
      tableAttributes.forEach(function (name) {
        el.removeAttribute(name);
      });
    });
    var root = holder.querySelector(".ec");
    if (root && root.getAttribute("role") !== "region") {
      root.setAttribute("role", "region");
      root.setAttribute("aria-label", holder.dataset.label || "");
    }
  }
  flatten();
  new MutationObserver(flatten).observe(holder, { subtree: true, childList: true, attributeFilter: ["role"].concat(tableAttributes) });

  if (dialog) {
    document.getElementById("move-confirm").addEventListener("click", confirmMove);
    document.getElementById("move-cancel").addEventListener("click", function () {
      close(true);
    });
    dialog.addEventListener("cancel", function () {
      close(true);
    });
    document.getElementById("move-shift").addEventListener("change", function () {
      if (pending) {
        preview();
      }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".gap-move"), function (button) {
    button.addEventListener("click", function () {
      startMove(options.moving, button.dataset.day, button.dataset.time, null);
    });
  });
})();
