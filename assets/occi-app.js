/* App Banco de Occidente Empresas: the virtual token on this device.
 *
 * enroll(ticket, user): exchanges the one-time ticket for the new seed (once), draws the
 *   QR code and the manual key, and keeps the seed on this device as a pending key until
 *   the server confirms it.
 * confirm(user): the server activated the token; the pending key becomes this device's.
 * forgetActive(user): the token was released or blocked; the key is worthless.
 * All three return promises. Every element [data-occi-token="<user>"] shows the current
 * 6-digit code (TOTP, RFC 6238: HMAC-SHA-1, 30 s, dynamic truncation) and the seconds left.
 *
 * The seed never reaches any storage: it is imported as a non-extractable WebCrypto HMAC key
 * (nobody, this script included, can read its bytes back) and that CryptoKey object is kept
 * in IndexedDB, database "occi-app", object store "token-virtual", one record per slot and
 * user under the key "activo:<user>" or "pendiente:<user>":
 *   { key: CryptoKey (HMAC, SHA-1, extractable false, usages ["sign"]),
 *     slot: "activo" | "pendiente", user: "<user>", saved: "<ISO time>" }.
 * Codes are computed with crypto.subtle.sign. The base32 text lives only while enroll()
 * draws the QR code and the manual key (shown once, by design).
 *
 * Migration: earlier versions kept the base32 seed in localStorage ("occi-vt:<user>" active,
 * "occi-vt-pendiente:<user>" pending). At start every such seed is imported as above and,
 * once the IndexedDB transaction has committed, every "occi-vt*" key is erased. A seed is
 * left in place only when it could not be stored (no WebCrypto/IndexedDB here, or a storage
 * error): it is retried at the next start.
 *
 * WebCrypto needs a secure context (HTTPS or localhost): without it every token box shows a
 * message instead of a code (data-state="sin-soporte").
 *
 * No eval, no inline code: the page may run under a strict Content-Security-Policy.
 */
(function () {
  "use strict";
  if (window.occiApp) { return; }  // loaded once per document

  var DB_NAME = "occi-app", DB_VERSION = 1, STORE = "token-virtual";
  var ACTIVE = "activo", PENDING = "pendiente";
  var OLD_ACTIVE = "occi-vt:", OLD_PENDING = "occi-vt-pendiente:", OLD_PREFIX = "occi-vt";
  var ENDPOINT = "/api/app/token/enrolamiento";
  var STEP = 30, DIGITS = 6;
  var NO_HTTPS = "El token virtual necesita una conexión segura (HTTPS) en este dispositivo.";
  var NO_STORAGE = "Este navegador no permite guardar el token virtual en el dispositivo.";

  function noop() {}

  function base32(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0, value = 0, out = [];
    text = String(text).replace(/\s+/g, "").replace(/=+$/, "").toUpperCase();
    for (var i = 0; i < text.length; i++) {
      var index = alphabet.indexOf(text.charAt(i));
      if (index < 0) { throw new Error("base32"); }
      value = ((value << 5) | index) & 0xffff;
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    if (!out.length) { throw new Error("base32"); }
    return new Uint8Array(out);
  }

  // ---------------------------------------------------------------- platform support

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  var dbOpening = null;

  function openDb() {
    if (!dbOpening) {
      dbOpening = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          if (!request.result.objectStoreNames.contains(STORE)) {
            request.result.createObjectStore(STORE);
          }
        };
        request.onsuccess = function () {
          var db = request.result;
          db.onversionchange = function () { db.close(); dbOpening = null; };
          db.onclose = function () { dbOpening = null; };
          resolve(db);
        };
        request.onerror = function () { reject(request.error); };
        request.onblocked = function () { reject(new Error("IndexedDB bloqueada")); };
      });
      dbOpening.catch(function () { dbOpening = null; });  // try again next time
    }
    return dbOpening;
  }

  /* null when WebCrypto and IndexedDB work here, else the message to show. */
  function checkSupport() {
    if (window.isSecureContext === false || !window.crypto || !window.crypto.subtle) {
      return Promise.resolve(NO_HTTPS);
    }
    if (!window.indexedDB) { return Promise.resolve(NO_STORAGE); }
    return openDb().then(function () { return null; }, function () { return NO_STORAGE; });
  }

  /* One IndexedDB transaction; work(store, done) queues requests, done(value) sets the
   * result, which is delivered once the transaction has committed. */
  function transaction(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error || new Error("IndexedDB")); };
        work(tx.objectStore(STORE), function (value) { result = value; });
      });
    });
  }

  function slotId(slot, user) { return slot + ":" + user; }

  function importSeed(secret) {
    var bytes = base32(secret);
    return window.crypto.subtle.importKey(
      "raw", bytes, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]
    ).then(function (key) {
      bytes.fill(0);
      return key;
    }, function (problem) {
      bytes.fill(0);
      throw problem;
    });
  }

  function record(slot, user, key) {
    return { key: key, slot: slot, user: user, saved: new Date().toISOString() };
  }

  // ---------------------------------------------------------------- migration

  /* Old localStorage seeds → non-extractable keys in IndexedDB, then erased. Anything still
   * in localStorage was written after the last migration erased it (by a tab running the
   * old script), so it replaces what IndexedDB holds for the same slot. */
  function migrate() {
    var local = storage();
    if (!local) { return Promise.resolve(); }
    var names = [];
    for (var i = 0; i < local.length; i++) {
      var name = local.key(i);
      if (name && name.indexOf(OLD_PREFIX) === 0) { names.push(name); }
    }
    if (!names.length) { return Promise.resolve(); }
    return Promise.all(names.map(function (name) {
      var value = local.getItem(name), item = { name: name, value: value, erase: true };
      var slot = name.indexOf(OLD_PENDING) === 0 ? PENDING
        : name.indexOf(OLD_ACTIVE) === 0 ? ACTIVE : null;
      if (!slot || !value) { return item; }  // not a seed: just erase it
      var user = name.slice((slot === PENDING ? OLD_PENDING : OLD_ACTIVE).length);
      var key;
      try { key = importSeed(value); } catch (invalid) { return item; }  // not base32
      return key.then(function (imported) {
        item.id = slotId(slot, user);
        item.record = record(slot, user, imported);
        return item;
      }, function () {
        item.erase = false;  // the platform refused it: keep it for the next start
        return item;
      });
    })).then(function (items) {
      return transaction("readwrite", function (store) {
        items.forEach(function (item) {
          if (item.record) { store.put(item.record, item.id); }
        });
      }).then(function () {
        items.forEach(function (item) {
          // erase only what was read (an old tab may have written since)
          if (item.erase && local.getItem(item.name) === item.value) {
            local.removeItem(item.name);
          }
        });
      });
    });
  }

  /* Resolves to null when the device can keep the token (migration done), else to the
   * message to show. Every operation waits for it. */
  var ready = checkSupport().then(function (problem) {
    if (problem) { return problem; }
    return migrate().then(null, noop).then(function () { return null; });
  });

  // ---------------------------------------------------------------- codes

  function totp(key, counter) {
    var message = new Uint8Array(8), view = new DataView(message.buffer);
    view.setUint32(0, Math.floor(counter / 4294967296));
    view.setUint32(4, counter >>> 0);
    return window.crypto.subtle.sign("HMAC", key, message).then(function (signature) {
      var mac = new Uint8Array(signature), at = mac[mac.length - 1] & 15;
      var binary = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16)
        | (mac[at + 2] << 8) | mac[at + 3];
      var code = String(binary % Math.pow(10, DIGITS));
      while (code.length < DIGITS) { code = "0" + code; }
      return code;
    });
  }

  function readKeys(ids) {
    return transaction("readonly", function (store, done) {
      var found = {};
      ids.forEach(function (id) {
        var request = store.get(id);
        request.onsuccess = function () {
          if (request.result && request.result.key) { found[id] = request.result.key; }
        };
      });
      done(found);
    });
  }

  function parts(node) {
    return {
      digits: node.querySelector(".occi-vt-digits"),
      left: node.querySelector(".occi-vt-left"),
      bar: node.querySelector(".occi-vt-bar-fill")
    };
  }

  function showCode(node, code, left) {
    var p = parts(node);
    if (p.digits) {
      p.digits.textContent = code.slice(0, 3) + " " + code.slice(3);
      p.digits.setAttribute("data-code", code);
    }
    if (p.left) { p.left.textContent = "Cambia en " + left + " s"; }
    if (p.bar) { p.bar.style.width = (left / STEP * 100) + "%"; }
    node.setAttribute("data-state", "listo");
  }

  function showNoCode(node, state, message) {
    var p = parts(node);
    if (p.digits) { p.digits.textContent = ""; p.digits.removeAttribute("data-code"); }
    if (p.left) { p.left.textContent = message || ""; }
    if (p.bar) { p.bar.style.width = "0%"; }
    node.setAttribute("data-state", state);
  }

  function paint() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll("[data-occi-token]"));
    if (!nodes.length) { return Promise.resolve(); }
    return ready.then(function (problem) {
      if (problem) {
        nodes.forEach(function (node) { showNoCode(node, "sin-soporte", problem); });
        return;
      }
      var ids = nodes.map(function (node) {
        var pending = node.getAttribute("data-occi-pending") === "si";
        return slotId(pending ? PENDING : ACTIVE, node.getAttribute("data-occi-token"));
      });
      return readKeys(ids).then(function (keys) {
        var now = Date.now() / 1000, counter = Math.floor(now / STEP);
        var left = STEP - Math.floor(now % STEP);
        return Promise.all(nodes.map(function (node, i) {
          var key = keys[ids[i]];
          if (!key) { showNoCode(node, "sin-semilla"); return null; }
          return totp(key, counter).then(function (code) { showCode(node, code, left); });
        }));
      });
    });
  }

  var painting = null, paintAgain = false;

  /* One paint at a time; a call during a paint asks for another one right after it. */
  function render() {
    if (painting) { paintAgain = true; return painting; }
    painting = paint().then(null, noop).then(function () {
      painting = null;
      if (paintAgain) { paintAgain = false; return render(); }
    });
    return painting;
  }

  // ---------------------------------------------------------------- enrollment

  function waitFor(selector, tries) {
    return new Promise(function (resolve) {
      (function look(left) {
        var found = document.querySelector(selector);
        if (found || left <= 0) { resolve(found); return; }
        setTimeout(function () { look(left - 1); }, 100);
      })(tries || 50);
    });
  }

  /* Keeps the new seed as this user's pending key; resolves either way (without a key the
   * token box says so, and the QR code still serves any authenticator app). */
  function keepPending(user, secret) {
    return ready.then(function (problem) {
      if (problem) { return null; }
      return importSeed(secret).then(function (key) {
        return transaction("readwrite", function (store) {
          store.put(record(PENDING, user, key), slotId(PENDING, user));
        });
      });
    }).then(null, noop);
  }

  function enroll(ticket, user) {
    return waitFor("#occi-qr").then(function (box) {
      var error = document.getElementById("occi-enroll-error");
      return fetch(ENDPOINT, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ticket: ticket })
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error || "No fue posible mostrar el código QR."); }
          return keepPending(user, data.secret).then(function () {
            if (box) { box.innerHTML = data.qr; box.setAttribute("data-listo", "si"); }
            var manual = document.getElementById("occi-secret");
            if (manual) { manual.textContent = data.secret.match(/.{1,4}/g).join(" "); }
            return render();
          });
        });
      }).then(null, function (problem) {
        if (error) {
          error.textContent = problem && problem.message && problem.message !== "Failed to fetch"
            ? problem.message : "No fue posible comunicarse con el Banco. Intente de nuevo.";
        }
      });
    });
  }

  function confirm(user) {
    return ready.then(function (problem) {
      if (problem) { return null; }
      return transaction("readwrite", function (store) {
        var pending = store.get(slotId(PENDING, user));
        pending.onsuccess = function () {
          if (!pending.result || !pending.result.key) { return; }
          store.put(record(ACTIVE, user, pending.result.key), slotId(ACTIVE, user));
          store.delete(slotId(PENDING, user));
        };
      });
    }).then(null, noop).then(render);
  }

  function forgetActive(user) {
    return ready.then(function (problem) {
      if (problem) { return null; }
      return transaction("readwrite", function (store) { store.delete(slotId(ACTIVE, user)); });
    }).then(null, noop).then(render);
  }

  window.occiApp = { enroll: enroll, confirm: confirm, forgetActive: forgetActive };
  render();
  setInterval(render, 500);
})();
