// wrenchdesk: the little script every page loads after htmx.
// - sends the session's CSRF token with every htmx request;
// - shows server and network errors of htmx requests as a toast, since htmx swaps nothing then.
(function () {
  "use strict";

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box || !text) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "alert");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }

  document.addEventListener("htmx:configRequest", function (evt) {
    var t = token();
    if (t) evt.detail.headers["X-CSRF-Token"] = t;
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var html = evt.detail.xhr.responseText || "";
    var doc = new DOMParser().parseFromString(html, "text/html");
    var el = doc.querySelector(".toast") || doc.querySelector(".lead") || doc.body;
    toast((el && el.textContent || "").trim() || String(evt.detail.xhr.status));
  });

  // A notice with a dismiss button goes away and stays away in this browser (a cookie the
  // server reads; it holds no customer data).
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest("[data-dismiss]");
    if (!btn) return;
    document.cookie = btn.getAttribute("data-dismiss") + "=1; path=/; max-age=31536000; SameSite=Strict";
    var box = btn.closest(".notice");
    if (box) box.remove();
  });

  // The plate keypad types into its target field; works with or without htmx.
  document.addEventListener("click", function (evt) {
    var key = evt.target.closest("[data-key]");
    if (!key) return;
    var pad = key.closest("[data-keypad-target]");
    var input = pad && document.getElementById(pad.getAttribute("data-keypad-target"));
    if (!input) return;
    var k = key.getAttribute("data-key");
    var provinces = pad.querySelector(".provinces");
    var isProvince = function (ch) {
      return !!provinces && !!ch && !!provinces.querySelector('[data-key="' + ch + '"]');
    };
    var first = Array.from(input.value)[0];
    if (k === "⌫") input.value = Array.from(input.value).slice(0, -1).join("");
    else if (k === "clear") input.value = "";
    // A plate has one province, first: a second tap on a province replaces it.
    else if (isProvince(k)) input.value = k + (isProvince(first) ? Array.from(input.value).slice(1).join("") : input.value);
    else input.value += k;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("htmx:sendError", function () {
    toast(document.body.getAttribute("data-network-error"));
  });
})();

// Work orders: quick values, the line form's kind, the approval's method, printing, and the
// signature pad. Everything also works as a plain form; these only make touch use easier.
(function () {
  "use strict";

  document.addEventListener("click", function (evt) {
    var set = evt.target.closest("[data-set]");
    if (set) {
      var input = document.getElementById(set.getAttribute("data-set"));
      if (input) input.value = set.getAttribute("data-value");
    }
    if (evt.target.closest("[data-print]")) window.print();
  });

  function syncKind(root) {
    (root || document).querySelectorAll(".line-grid").forEach(function (grid) {
      var form = grid.closest("form");
      var checked = form && form.querySelector('input[name="kind"]:checked');
      if (checked) grid.setAttribute("data-kind", checked.value);
    });
  }

  function syncMethod(root) {
    (root || document).querySelectorAll("[data-signature-form]").forEach(function (form) {
      var method = form.querySelector('[name="method"]');
      var box = form.querySelector('[data-only-method]');
      if (method && box) box.hidden = method.value !== box.getAttribute("data-only-method");
    });
  }

  document.addEventListener("change", function (evt) {
    if (evt.target.name === "kind") syncKind();
    if (evt.target.name === "method") syncMethod();
  });

  // Strokes are sent as "x,y x,y;x,y …" in a 1000 × 400 box, whatever the canvas's size on
  // screen; the server accepts nothing else.
  function setupPad(canvas) {
    if (canvas.dataset.ready) return;
    canvas.dataset.ready = "1";
    var form = canvas.closest("form");
    var field = form.querySelector('input[name="signature"]');
    var ctx = canvas.getContext("2d");
    var strokes = [];
    var current = null;
    ctx.lineWidth = 6;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#1c2430";

    function point(evt) {
      var r = canvas.getBoundingClientRect();
      var x = Math.round((evt.clientX - r.left) * canvas.width / r.width);
      var y = Math.round((evt.clientY - r.top) * canvas.height / r.height);
      return [Math.max(0, Math.min(canvas.width, x)), Math.max(0, Math.min(canvas.height, y))];
    }
    function save() {
      field.value = strokes.map(function (s) {
        return s.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
      }).join(";");
    }
    canvas.addEventListener("pointerdown", function (evt) {
      evt.preventDefault();
      try { canvas.setPointerCapture(evt.pointerId); } catch (e) { /* a pen lifted already */ }
      current = [point(evt)];
      strokes.push(current);
      ctx.beginPath();
      ctx.moveTo(current[0][0], current[0][1]);
    });
    canvas.addEventListener("pointermove", function (evt) {
      if (!current) return;
      var p = point(evt);
      var last = current[current.length - 1];
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 3) return;
      current.push(p);
      ctx.lineTo(p[0], p[1]);
      ctx.stroke();
    });
    function end() {
      if (!current) return;
      current = null;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    form.querySelector("[data-clear-signature]").addEventListener("click", function () {
      strokes = [];
      field.value = "";
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    });
  }

  function init(root) {
    syncKind(root);
    syncMethod(root);
    (root || document).querySelectorAll(".signature-pad canvas").forEach(setupPad);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (evt) { init(evt.target); });
})();

// Phone note form: a photo over the limit is refused before it is sent.
(function () {
  "use strict";
  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.type !== "file" || !input.closest("[data-max-bytes]")) return;
    var form = input.closest("[data-max-bytes]");
    var max = Number(form.getAttribute("data-max-bytes"));
    var tooBig = Array.prototype.some.call(input.files || [], function (f) { return f.size > max; });
    var msg = form.querySelector(".too-big");
    if (msg) msg.hidden = !tooBig;
    form.querySelector("button[type=submit]").disabled = tooBig;
  });
})();

// The line form's part picker: a tapped catalog part fills in the line (kind, part, description,
// price). Without JavaScript, the number typed in the picker is resolved by the server.
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var option = evt.target.closest(".part-option");
    if (!option) return;
    var form = option.closest("form");
    if (!form) return;
    var set = function (name, value) {
      var field = form.querySelector('[name="' + name + '"]');
      if (field) field.value = value;
    };
    set("part_id", option.getAttribute("data-part-id"));
    set("description", option.getAttribute("data-description"));
    set("unit_price", option.getAttribute("data-price"));
    var part = form.querySelector('input[name="kind"][value="part"]');
    if (part) { part.checked = true; part.dispatchEvent(new Event("change", { bubbles: true })); }
    var list = option.closest(".part-options");
    if (list) list.innerHTML = "";
    var qty = form.querySelector('[name="qty"]');
    if (qty) qty.focus();
  });
})();

// Customer care: the copy button beside a message text. The shop's LAN is plain HTTP, where
// the clipboard API is missing, so the text is selected and copied the old way there.
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-copy]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value);
    } else {
      try { document.execCommand("copy"); } catch (e) { /* the text stays selected to copy by hand */ }
    }
    button.setAttribute("data-copied", "1");
  });
})();
// The order page: a change sent from one of its forms comes back as the whole page, swapped in
// where it stands. A refused form (422) is swapped too, so its messages show beside the fields;
// and the section the form was in stays where it was on the screen.
(function () {
  "use strict";
  var anchor = null;
  // Only a change sent from the page's forms sets the anchor, and only the settling of that
  // request uses it: a section that loads itself after the swap (the inspection summary) sends a
  // request of its own meanwhile and must leave the anchor alone.
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.target.closest && evt.target.closest("[data-swap-invalid]");
    var section = form && form.closest("[id]");
    if (!section) return;
    anchor = { id: section.id, top: section.getBoundingClientRect().top, elt: evt.detail.elt };
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var elt = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    if (evt.detail.xhr.status === 422 && elt && elt.closest && elt.closest("[data-swap-invalid]")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSettle", function (evt) {
    var from = evt.detail.requestConfig && evt.detail.requestConfig.elt;
    if (!anchor || (from && from !== anchor.elt)) return;
    var again = document.getElementById(anchor.id);
    if (again) window.scrollBy(0, again.getBoundingClientRect().top - anchor.top);
    anchor = null;
  });
})();

// The vehicle forms' picker: once a make is typed or chosen, the models offered are that
// make's (a disabled option is no suggestion); with no make known, every model.
(function () {
  "use strict";
  document.addEventListener("input", function (evt) {
    if (!evt.target || evt.target.id !== "f-make") return;
    var make = evt.target.value.trim();
    var options = document.querySelectorAll("#models-seen option");
    var known = Array.prototype.some.call(options, function (o) { return o.getAttribute("data-make") === make; });
    options.forEach(function (o) { o.disabled = known && o.getAttribute("data-make") !== make; });
  });
})();

// The wall display: each column shows the cards that fit and pages through the rest every
// eight seconds, so a full shop never needs scrolling on the TV.
(function () {
  "use strict";
  var page = 0;
  function layout() {
    document.querySelectorAll(".wall-col").forEach(function (col) {
      var list = col.querySelector(".wall-cards");
      if (!list) return;
      var cards = Array.prototype.slice.call(list.children);
      cards.forEach(function (c) { c.hidden = false; });
      var room = list.clientHeight, fit = 0;
      for (var i = 0; i < cards.length; i++) {
        if (cards[i].offsetTop + cards[i].offsetHeight <= room) fit = i + 1; else break;
      }
      fit = Math.max(fit, 1);
      var pages = Math.max(1, Math.ceil(cards.length / fit));
      var p = page % pages;
      cards.forEach(function (c, i) { c.hidden = i < p * fit || i >= (p + 1) * fit; });
      var label = col.querySelector(".pages");
      if (label) label.textContent = pages > 1 ? (p + 1) + " / " + pages : "";
    });
  }
  document.addEventListener("DOMContentLoaded", layout);
  document.addEventListener("htmx:afterSettle", layout);
  window.addEventListener("resize", layout);
  setInterval(function () {
    if (!document.querySelector(".wall-col")) return;
    page += 1;
    layout();
  }, 8000);
})();

// The walk-around: a tap on the car's outline chooses the spot of the next mark (in the
// drawing's own coordinates, whatever its size on screen); the server checks it is on the car.
(function () {
  "use strict";
  document.addEventListener("click", function (evt) {
    var svg = evt.target.closest && evt.target.closest("svg[data-outline]");
    var form = document.getElementById("mark-form");
    if (!svg || !form) return;
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    var p = pt.matrixTransform(svg.getScreenCTM().inverse());
    var x = Math.max(0, Math.round(p.x)), y = Math.max(0, Math.round(p.y));
    form.querySelector('[name="x"]').value = x;
    form.querySelector('[name="y"]').value = y;
    var spot = document.getElementById("pending-spot");
    if (spot) {
      spot.setAttribute("cx", x);
      spot.setAttribute("cy", y);
      spot.setAttribute("visibility", "visible");
    }
    var status = document.getElementById("spot-status");
    if (status) {
      status.textContent = status.getAttribute("data-chosen-text");
      status.classList.add("chosen");
    }
  });
})();

// The reception kiosk's lock. On the kiosk (the page's body carries data-kiosk-lock, in
// seconds), no touch, key or scroll for that long posts /kiosk/lock with the page it was on
// and shows the lock screen; the server holds the lock from then on. While someone uses the
// page, it tells the server at most every 30 s (GET /kiosk/alive), so the server's own idle
// check never locks them out, and a lock made elsewhere (another tab) shows here too. Nothing
// is kept in the browser's storage.
(function () {
  "use strict";
  // The lock screen leaves nothing of the pages before it in this origin's storage (htmx keeps
  // the last page's address, search words included, in sessionStorage).
  if (document.body && document.body.classList.contains("lock-screen")) {
    try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage disabled */ }
  }
  function limit() {
    var s = Number(document.body && document.body.getAttribute("data-kiosk-lock"));
    return s > 0 ? s * 1000 : 0;
  }
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function toLockScreen(url) {
    if (url && url.indexOf("/kiosk/locked") < 0 && url.indexOf("/login") < 0) return;
    location.replace(url || "/kiosk/locked");
  }
  var last = Date.now(), told = Date.now(), locking = false;
  function used() {
    last = Date.now();
    if (!limit() || last - told < 30000) return;
    told = last;
    fetch("/kiosk/alive", { credentials: "same-origin", headers: { "HX-Current-URL": location.href } })
      .then(function (r) { if (r.redirected) toLockScreen(r.url); })
      .catch(function () {});
  }
  ["pointerdown", "keydown", "touchstart", "wheel", "input"].forEach(function (name) {
    document.addEventListener(name, used, { passive: true, capture: true });
  });
  setInterval(function () {
    var ms = limit();
    if (!ms || locking || Date.now() - last < ms) return;
    locking = true;
    var form = new URLSearchParams();
    form.set("csrf", token());
    form.set("next", location.pathname + location.search);
    form.set("why", "idle");
    fetch("/kiosk/lock", { method: "POST", body: form, credentials: "same-origin" })
      .catch(function () {})
      .then(function () { location.replace("/kiosk/locked"); });
  }, 1000);
})();
