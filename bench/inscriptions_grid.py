"""Inscriptions grid with 10,000 inscriptions: page change round trip vs a trivial handler.

Loads 10,000 inscriptions (and their bills) for «Empresa Demo S.A.S.» straight into the
server's SQLite database, then, in Chromium against the running production server, times
«»» (next page: session + grants + SQL page of the grid) against clicking the already
active «Inscripciones» tab (a trivial handler), from event frame to delta frame.

    make run    # in another terminal, demo data loaded
    .venv/bin/python bench/inscriptions_grid.py --base http://localhost:3000
Goal: page change within 3× the trivial handler (medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from browser_probe import WS_HOOK, login, round_trip, stats  # noqa: E402

TARGET = 10_000


def load_inscriptions() -> int:
    """Top the demo company up to TARGET inscriptions (idempotent); returns the count."""
    from sqlalchemy import func, insert
    from sqlmodel import select

    from occireflex.db import session_scope
    from occireflex.domain import bogota
    from occireflex.domain.payments import billers
    from occireflex.models import Account, Bill, Biller, Company, Enrollment, utcnow

    with session_scope() as db:
        company = db.exec(select(Company).where(Company.nit == "900123456-7")).one()
        account = db.exec(select(Account).where(Account.number == "256098765")).one()
        biller = db.exec(select(Biller).where(Biller.code == "1002")).one()  # 6–12 digits
        have = db.exec(select(func.count()).select_from(Enrollment).where(
            Enrollment.company_id == company.id, Enrollment.deleted_at.is_(None))).one()
        missing = max(0, TARGET - have)
        period, issued, due = billers.current_period(biller, bogota.local_today(utcnow()))
        refs = [f"77{n:08d}" for n in range(have, have + missing)]
        now = utcnow()
        if not refs:
            return have
        db.execute(insert(Enrollment), [
            {"company_id": company.id, "biller_id": biller.id, "reference": r,
             "alias": f"Sede {r[-4:]}", "account_id": account.id, "created_at": now,
             "updated_at": now} for r in refs])
        db.execute(insert(Bill), [
            {"biller_id": biller.id, "reference": r, "period": period,
             "amount": billers.bill_amount(biller, r, period), "issued_on": issued,
             "due_on": due, "status": "pendiente", "version": 1} for r in refs])
        return have + missing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://localhost:3000")
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("OCCIREFLEX_INSTANCE_DIR", str(ROOT / "instance"))
    total = load_inscriptions()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.add_init_script(WS_HOOK)
        login(page, args.base, "admin.demo")
        page.goto(f"{args.base}/transacciones/pagos/servicios")
        page.get_by_text("inscripciones").first.wait_for()
        nxt = page.get_by_role("button", name="Página siguiente")
        prev = page.get_by_role("button", name="Página anterior")
        tab = page.get_by_role("button", name="Inscripciones", exact=True)
        page_ms, page_bytes, trivial_ms = [], [], []
        for i in range(args.rounds):
            ms, n = round_trip(page, (nxt if i % 2 == 0 else prev).click, "go_to_page")
            page_ms.append(ms)
            page_bytes.append(n)
            ms, _ = round_trip(page, tab.click, "set_tab")
            trivial_ms.append(ms)
        browser.close()
    ratio = statistics.median(page_ms) / statistics.median(trivial_ms)
    print(f"inscriptions in the company : {total}")
    print(f"page change (10 rows)       : {stats(page_ms)}")
    print(f"trivial handler             : {stats(trivial_ms)}")
    print(f"page / trivial (median)     : {ratio:.2f}x   (goal <= 3x)")
    print(f"page delta frame            : max {max(page_bytes)} B")


if __name__ == "__main__":
    main()
