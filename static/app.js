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

  // The plate keypad types into its target field; works with or without htmx.
  document.addEventListener("click", function (evt) {
    var key = evt.target.closest("[data-key]");
    if (!key) return;
    var pad = key.closest("[data-keypad-target]");
    var input = pad && document.getElementById(pad.getAttribute("data-keypad-target"));
    if (!input) return;
    var k = key.getAttribute("data-key");
    if (k === "⌫") input.value = input.value.slice(0, -1);
    else if (k === "clear") input.value = "";
    else input.value += k;
    input.dispatchEvent(new Event("input", { bubbles: true }));
  });

  document.addEventListener("htmx:sendError", function () {
    toast(document.body.getAttribute("data-network-error"));
  });
})();
