/* OcciReflex: the page's side of the server's one-shot commands.
 *
 * The server never sends code to run (no eval: the Content-Security-Policy forbids it). It
 * sets a hidden element's data-occi-command to {"id", "name", "args"}; this script runs the
 * named command if it knows it, and each id only once per tab (a reload re-renders the last
 * command: its id is remembered in sessionStorage).
 *
 *   redeem(ticket, surface)  trade the login's one-time ticket for the HttpOnly session
 *                      cookie, then open the page the server names (portal home or the App)
 *   logout(surface)    clear the session cookie ("portal" or "app") and open the login
 *   print()            the browser's print dialog (the server checked the grant)
 *   enroll, confirm, forgetActive   the App's virtual token (assets/occi-app.js)
 */
(function () {
  "use strict";
  var DONE = "occi-comandos-hechos";

  function doneIds() {
    try { return JSON.parse(window.sessionStorage.getItem(DONE) || "[]"); } catch (e) { return []; }
  }

  function remember(id) {
    var ids = doneIds();
    ids.push(id);
    try { window.sessionStorage.setItem(DONE, JSON.stringify(ids.slice(-50))); } catch (e) { /* private mode */ }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    });
  }

  function go(response, fallback) {
    return response.json().catch(function () { return {}; }).then(function (data) {
      var next = response.ok && typeof data.next === "string" && data.next.charAt(0) === "/"
        ? data.next : fallback;
      window.location.replace(next);
    });
  }

  function app(name) {
    return function () {
      var args = arguments;
      (function attempt(left) {  // the App's script may still be loading
        if (window.occiApp && typeof window.occiApp[name] === "function") {
          window.occiApp[name].apply(window.occiApp, args);
        } else if (left > 0) {
          setTimeout(function () { attempt(left - 1); }, 100);
        }
      })(50);
    };
  }

  var COMMANDS = {
    redeem: function (ticket, surface) {
      var failed = surface === "app" ? "/app" : "/login?ingreso=fallido";
      return post("/api/sesion", { ticket: ticket })
        .then(function (response) { return go(response, failed); })
        .catch(function () { window.location.replace(failed); });
    },
    logout: function (surface) {
      var home = surface === "app" ? "/app" : "/login";
      return post("/api/sesion/salir", { superficie: surface })
        .then(function (response) { return go(response, home); })
        .catch(function () { window.location.replace(home); });
    },
    print: function () { window.print(); },
    enroll: app("enroll"),
    confirm: app("confirm"),
    forgetActive: app("forgetActive")
  };

  function run(node) {
    var raw = node.getAttribute("data-occi-command"), command;
    if (!raw) { return; }
    try { command = JSON.parse(raw); } catch (e) { return; }
    if (!command || typeof command.id !== "string" || !COMMANDS.hasOwnProperty(command.name)) { return; }
    if (doneIds().indexOf(command.id) >= 0) { return; }
    remember(command.id);
    COMMANDS[command.name].apply(null, Array.isArray(command.args) ? command.args : []);
  }

  function scan(root) {
    if (root.nodeType !== 1) { return; }
    if (root.hasAttribute("data-occi-command")) { run(root); }
    var nodes = root.querySelectorAll("[data-occi-command]");
    for (var i = 0; i < nodes.length; i++) { run(nodes[i]); }
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      if (record.type === "attributes") { run(record.target); return; }
      record.addedNodes.forEach(scan);
    });
  }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-occi-command"]
  });
  if (document.body) { scan(document.body); }
})();
