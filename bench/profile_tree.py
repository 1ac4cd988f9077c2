"""Profile tree responsiveness against the running production server (issue 3).

Measures in Chromium, over the app's real websocket:
- round trip of toggling one action checkbox vs. a trivial handler (expanding a module
  header: a list append, no DB), both timed in the page from send to the delta frame;
- size of the state delta a toggle sends back (goal: < 4 KB, never the whole tree);
- «Expandir Todos»: click → all 363 action checkboxes painted (two animation frames).

    make run            # in another terminal (or any server started from this tree)
    .venv/bin/python bench/profile_tree.py --base http://localhost:3000
The server's OCCIREFLEX_INSTANCE_DIR must be visible here to read token codes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_probe import WS_HOOK, login, round_trip, stats  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://localhost:3000")
    parser.add_argument("--profile-id", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.add_init_script(WS_HOOK)
        login(page, args.base, "admin.demo")
        page.goto(f"{args.base}/administracion/usuarios/perfiles/modificar?id={args.profile_id}")
        page.wait_for_selector("text=Contraer Todos")
        page.get_by_role("button", name="Contraer Todos").click()
        page.wait_for_timeout(300)

        expand_ms = []
        for _ in range(10):
            expand_ms.append(page.evaluate("""async () => {
                const btn = [...document.querySelectorAll('button')]
                    .find(b => b.textContent === 'Expandir Todos');
                const t0 = performance.now();
                btn.click();
                while (document.querySelectorAll('.occi-action-box').length < 363)
                    await new Promise(r => setTimeout(r, 1));
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                return performance.now() - t0; }"""))
            page.get_by_role("button", name="Contraer Todos").click()
            page.wait_for_function("document.querySelectorAll('.occi-action-box').length === 0")

        # open one module so a checkbox is on screen; the trivial handler toggles another
        page.locator("[data-module='ayudas'] .occi-module-toggle").click()
        box = page.locator("[data-service='ayudas.ayudas.manuales'] .occi-action-box").nth(1)
        box.wait_for()
        toggle_ms, toggle_bytes, trivial_ms, trivial_bytes = [], [], [], []
        archivos = page.locator("[data-module='archivos'] .occi-module-toggle")
        for _ in range(args.rounds):
            ms, n = round_trip(page, box.click, "toggle")
            toggle_ms.append(ms)
            toggle_bytes.append(n)
            ms, n = round_trip(page, archivos.click, "toggle_expanded")
            trivial_ms.append(ms)
            trivial_bytes.append(n)
        browser.close()

    ratio = statistics.median(toggle_ms) / statistics.median(trivial_ms)
    print(f"toggle one action       : {stats(toggle_ms)}")
    print(f"trivial handler          : {stats(trivial_ms)}")
    print(f"toggle / trivial (median): {ratio:.2f}x   (goal <= 2x)")
    print(f"toggle delta frame       : max {max(toggle_bytes)} B, median "
          f"{statistics.median(toggle_bytes):.0f} B   (goal < 4096 B)")
    print(f"trivial delta frame      : max {max(trivial_bytes)} B")
    print(f"Expandir Todos painted   : {stats(expand_ms)}   (goal <= 300 ms)")


if __name__ == "__main__":
    main()
