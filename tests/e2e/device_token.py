"""What the App keeps on the device for the virtual token, read from inside the page.

``assets/occi-app.js`` keeps each seed as a non-extractable WebCrypto HMAC key in IndexedDB
(database ``occi-app``, store ``token-virtual``, keys ``activo:<user>`` and
``pendiente:<user>``); nothing of it may be in localStorage or sessionStorage.
"""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page

from tests.e2e.conftest import TOTP_STEP

DB_NAME = "occi-app"
STORE = "token-virtual"
OLD_PREFIX = "occi-vt"  # localStorage keys of the script before the WebCrypto keys

_WEB_STORAGE = """() => {
  const dump = (area) => {
    const out = {};
    for (let i = 0; i < area.length; i++) { out[area.key(i)] = area.getItem(area.key(i)); }
    return out;
  };
  return { local: dump(window.localStorage), session: dump(window.sessionStorage) };
}"""

# Every record of the store: how its key is made, whether exportKey refuses it, and the
# TOTP codes it gives (crypto.subtle.sign) for the counters asked for.
_DEVICE_KEYS = """async ({ dbName, storeName, counters }) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open(dbName);
    // the App has not created it: do not create it either
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
  if (!db) { return null; }
  if (!db.objectStoreNames.contains(storeName)) { db.close(); return {}; }
  const entries = await new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, "readonly"), store = tx.objectStore(storeName);
    const keys = store.getAllKeys(), values = store.getAll();
    tx.oncomplete = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
    tx.onerror = () => reject(tx.error);
  });
  db.close();
  const code = async (key, counter) => {
    const message = new Uint8Array(8), view = new DataView(message.buffer);
    view.setUint32(0, Math.floor(counter / 4294967296));
    view.setUint32(4, counter >>> 0);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
    const at = mac[mac.length - 1] & 15;
    const binary = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8)
      | mac[at + 3];
    return String(binary % 1000000).padStart(6, "0");
  };
  const refused = async (format, key) => {
    try { await crypto.subtle.exportKey(format, key); return null; }
    catch (error) { return error.name; }
  };
  const out = {};
  for (const [id, value] of entries) {
    const key = value && value.key;
    const isKey = key instanceof CryptoKey;
    out[id] = {
      is_crypto_key: isKey,
      slot: value && value.slot, user: value && value.user,
      json: isKey ? null : JSON.stringify(value),
      extractable: isKey ? key.extractable : null,
      algorithm: isKey ? key.algorithm.name : null,
      hash: isKey ? key.algorithm.hash.name : null,
      usages: isKey ? Array.from(key.usages) : null,
      export_raw: isKey ? await refused("raw", key) : null,
      export_jwk: isKey ? await refused("jwk", key) : null,
      codes: isKey ? await Promise.all(counters.map((c) => code(key, c))) : null,
    };
  }
  return out;
}"""


def web_storage(page: Page) -> dict[str, dict[str, str]]:
    """``{"local": {...}, "session": {...}}``: every key and value of the page's origin."""
    return page.evaluate(_WEB_STORAGE)


def assert_no_seed_in_web_storage(page: Page, *secrets: str) -> None:
    """No ``occi-vt*`` key in localStorage, and no secret in any key or value of
    localStorage or sessionStorage (also lower-case or grouped with spaces)."""
    dump = web_storage(page)
    assert [k for k in dump["local"] if k.startswith(OLD_PREFIX)] == [], dump["local"]
    for area, items in dump.items():
        for name, value in items.items():
            for text in (name, value or ""):
                flat = "".join(text.split()).upper()
                for secret in secrets:
                    assert secret.upper() not in flat, f"semilla en {area}Storage[{name!r}]"


def device_keys(page: Page, counters: list[int] | None = None) -> dict | None:
    """The App's key store as seen by the page (``None``: the App never created it)."""
    return page.evaluate(_DEVICE_KEYS, {"dbName": DB_NAME, "storeName": STORE,
                                        "counters": counters or []})


def assert_sealed_key(page: Page, record_id: str, secret: str) -> dict:
    """``record_id`` holds a non-extractable HMAC-SHA-1 key for ``secret``: exportKey is
    refused and crypto.subtle.sign gives pyotp's codes. Returns the whole store."""
    counter = int(time.time()) // TOTP_STEP
    counters = [counter - 1, counter, counter + 1, 0, 2**32 + 7]
    keys = device_keys(page, counters)
    assert keys is not None, "la App no creó su base IndexedDB"
    assert record_id in keys, f"{record_id} no está en IndexedDB: {sorted(keys)}"
    key = keys[record_id]
    assert key["is_crypto_key"], f"{record_id} no es un CryptoKey: {key['json']}"
    assert key["extractable"] is False
    assert (key["algorithm"], key["hash"], key["usages"]) == ("HMAC", "SHA-1", ["sign"])
    assert key["export_raw"] == "InvalidAccessError"
    assert key["export_jwk"] == "InvalidAccessError"
    totp = pyotp.TOTP(secret)
    assert key["codes"] == [totp.at(c * TOTP_STEP) for c in counters]
    return keys


def shown_code_matches(page: Page, selector: str, secret: str) -> bool:
    """The code the App shows in ``selector`` is pyotp's for ``secret`` (±1 step)."""
    shown = page.locator(selector).get_attribute("data-code")
    totp = pyotp.TOTP(secret)
    return shown in {totp.at(time.time() + d) for d in (-TOTP_STEP, 0, TOTP_STEP)}
