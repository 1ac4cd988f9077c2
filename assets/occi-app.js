/* App Banco de Occidente Empresas: the virtual token on this device.
 *
 * enroll(ticket, user): exchanges the one-time ticket for the new seed (once), draws the
 *   QR code and keeps the seed on this device, pending until the server confirms it.
 * confirm(user): the server activated the token; the pending seed becomes this device's.
 * forgetActive(user): the token was released or blocked; the seed is worthless.
 * Every element [data-occi-token="<user>"] shows the current 6-digit code (TOTP, RFC 6238,
 * SHA-1, 30 s) and the seconds left. SHA-1 is computed here, so it works without
 * crypto.subtle (which needs a secure context).
 */
(function () {
  "use strict";
  var ACTIVE = "occi-vt:", PENDING = "occi-vt-pendiente:";
  var ENDPOINT = "/api/app/token/enrolamiento";

  function base32(text) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", bits = 0, value = 0, out = [];
    text = text.replace(/=+$/, "").replace(/\s+/g, "").toUpperCase();
    for (var i = 0; i < text.length; i++) {
      var index = alphabet.indexOf(text.charAt(i));
      if (index < 0) { throw new Error("base32"); }
      value = (value << 5) | index;
      bits += 5;
      if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
    }
    return new Uint8Array(out);
  }

  function sha1(message) {
    var length = message.length, padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
    padded.set(message);
    padded[length] = 0x80;
    var view = new DataView(padded.buffer), bitLength = length * 8;
    view.setUint32(padded.length - 4, bitLength >>> 0);
    view.setUint32(padded.length - 8, Math.floor(bitLength / 4294967296));
    var h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0], w = new Uint32Array(80);
    for (var offset = 0; offset < padded.length; offset += 64) {
      for (var j = 0; j < 16; j++) { w[j] = view.getUint32(offset + j * 4); }
      for (j = 16; j < 80; j++) {
        var x = w[j - 3] ^ w[j - 8] ^ w[j - 14] ^ w[j - 16];
        w[j] = (x << 1) | (x >>> 31);
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
      for (j = 0; j < 80; j++) {
        var f, k;
        if (j < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
        else if (j < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
        else if (j < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
        else { f = b ^ c ^ d; k = 0xCA62C1D6; }
        var t = (((a << 5) | (a >>> 27)) + f + e + k + w[j]) >>> 0;
        e = d; d = c; c = ((b << 30) | (b >>> 2)) >>> 0; b = a; a = t;
      }
      h[0] = (h[0] + a) >>> 0; h[1] = (h[1] + b) >>> 0; h[2] = (h[2] + c) >>> 0;
      h[3] = (h[3] + d) >>> 0; h[4] = (h[4] + e) >>> 0;
    }
    var out = new Uint8Array(20), outView = new DataView(out.buffer);
    for (j = 0; j < 5; j++) { outView.setUint32(j * 4, h[j]); }
    return out;
  }

  function hmacSha1(key, message) {
    if (key.length > 64) { key = sha1(key); }
    var inner = new Uint8Array(64 + message.length), outer = new Uint8Array(64 + 20);
    for (var i = 0; i < 64; i++) {
      var byte = i < key.length ? key[i] : 0;
      inner[i] = byte ^ 0x36;
      outer[i] = byte ^ 0x5c;
    }
    inner.set(message, 64);
    outer.set(sha1(inner), 64);
    return sha1(outer);
  }

  function totp(secret, seconds) {
    var counter = Math.floor(seconds / 30), message = new Uint8Array(8);
    var view = new DataView(message.buffer);
    view.setUint32(0, Math.floor(counter / 4294967296));
    view.setUint32(4, counter >>> 0);
    var mac = hmacSha1(base32(secret), message), at = mac[19] & 15;
    var binary = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
    return String(binary % 1000000).padStart(6, "0");
  }

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function waitFor(selector, tries) {
    return new Promise(function (resolve) {
      (function look(left) {
        var found = document.querySelector(selector);
        if (found || left <= 0) { resolve(found); return; }
        setTimeout(function () { look(left - 1); }, 100);
      })(tries || 50);
    });
  }

  function render() {
    var nodes = document.querySelectorAll("[data-occi-token]");
    var storage = store(), now = Date.now() / 1000;
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i], user = node.getAttribute("data-occi-token");
      var pending = node.getAttribute("data-occi-pending") === "si";
      var secret = storage && storage.getItem((pending ? PENDING : ACTIVE) + user);
      if (!secret) { node.setAttribute("data-state", "sin-semilla"); continue; }
      var code = totp(secret, now), left = 30 - Math.floor(now % 30);
      var digits = node.querySelector(".occi-vt-digits");
      var seconds = node.querySelector(".occi-vt-left");
      var bar = node.querySelector(".occi-vt-bar-fill");
      if (digits) { digits.textContent = code.slice(0, 3) + " " + code.slice(3); digits.setAttribute("data-code", code); }
      if (seconds) { seconds.textContent = "Cambia en " + left + " s"; }
      if (bar) { bar.style.width = (left / 30 * 100) + "%"; }
      node.setAttribute("data-state", "listo");
    }
  }

  window.occiApp = {
    totp: totp,
    enroll: function (ticket, user) {
      return waitFor("#occi-qr").then(function (box) {
        var error = document.getElementById("occi-enroll-error");
        return fetch(ENDPOINT, {
          method: "POST", credentials: "same-origin", cache: "no-store",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ ticket: ticket })
        }).then(function (response) {
          return response.json().then(function (data) {
            if (!response.ok) { throw new Error(data.error || "No fue posible mostrar el código QR."); }
            var storage = store();
            if (storage) { storage.setItem(PENDING + user, data.secret); }
            if (box) { box.innerHTML = data.qr; box.setAttribute("data-listo", "si"); }
            var key = document.getElementById("occi-secret");
            if (key) { key.textContent = data.secret.match(/.{1,4}/g).join(" "); }
            render();
          });
        }).catch(function (problem) {
          if (error) {
            error.textContent = problem && problem.message && problem.message !== "Failed to fetch"
              ? problem.message : "No fue posible comunicarse con el Banco. Intente de nuevo.";
          }
        });
      });
    },
    confirm: function (user) {
      var storage = store();
      if (!storage) { return; }
      var secret = storage.getItem(PENDING + user);
      if (secret) { storage.setItem(ACTIVE + user, secret); storage.removeItem(PENDING + user); }
      render();
    },
    forgetActive: function (user) {
      var storage = store();
      if (storage) { storage.removeItem(ACTIVE + user); }
    }
  };
  setInterval(render, 500);
})();
