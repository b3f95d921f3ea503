"""Run the benchmarks and compare each with its budget; exit 1 when one is over budget.

``python -m bench`` runs them all; ``python -m bench handover search`` only those named (the
10,000-client demo database they need is then built first, untimed). ``--list`` names them.

Budgets are for the reference machine (2 cores); timings are wall-clock, best of a few runs
where a run is cheap. Where it makes sense a floor is measured in the same run and printed
beside the result (e.g. ReportLab making a trivial one-page PDF): a slow machine shows as a
high floor, a slow use case as a high multiple of it.
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from broadtalk.clients import search_clients
from broadtalk.demo import generate_demo
from broadtalk.forms.library import builtin_models
from broadtalk.forms.loader import load_model_file
from broadtalk.practitioners import list_practitioners
from broadtalk.store.database import Database


@dataclass(frozen=True)
class Result:
    name: str
    took: float
    budget: float
    #: The same machine's time for the trivial version of the work, measured in the same run.
    floor: float | None = None


REPORT: list[Result] = []


def bench(name: str, budget_s: float, repeat: int = 1) -> Callable:
    def wrap(func: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            REPORT.append(Result(name, best_of(repeat, func), budget_s))

        return run

    return wrap


def best_of(repeat: int, func: Callable[[], object]) -> float:
    return min(_timed(func) for _ in range(repeat))


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


WORK = Path(tempfile.mkdtemp(prefix="broadtalk-bench-"))
BIG = WORK / "big.sqlite"
#: Encrypted, as every practice's database is: the timings include SQLCipher's work.
PASSPHRASE = "bench bench bench"
#: The demo's "today": consents given in the demo are valid on this day.
TODAY = date(2026, 11, 1)


# 45 s before the audit trail and encryption; each use case now also writes a chained audit
# entry, and every page is encrypted (measured 46 s on the reference machine).
@bench("demo: 10,000 clients through the use cases", budget_s=50.0)
def demo_10k() -> None:
    _build_big()


def _build_big() -> None:
    db = Database.open(BIG, passphrase=PASSPHRASE)
    try:
        generate_demo(db, clients=10_000, seed=1, today=TODAY)
    finally:
        db.close()


def _need_big() -> None:
    """The 10,000-client database, built untimed when its benchmark was not among those run."""
    if not BIG.exists():
        print("building the 10,000-client demo database first (untimed) ...", file=sys.stderr, flush=True)
        _build_big()


_OPEN: list[Database] = []


@bench("search-as-you-type: first page of 10,000 clients", budget_s=0.05, repeat=5)
def _search_10k() -> None:
    # Only the search is timed: the app opens the database once, then searches per keystroke.
    with _OPEN[0].transaction() as tx:
        search_clients(tx, list_practitioners(tx)[0], "berg", limit=200)


def search_10k() -> None:
    _OPEN.append(Database.open(BIG, passphrase=PASSPHRASE))
    try:
        _search_10k()
    finally:
        _OPEN.pop().close()


@bench("open the encrypted 10,000-client database (key derivation, integrity check)", budget_s=3.0)
def open_10k() -> None:
    Database.open(BIG, passphrase=PASSPHRASE).close()


@bench("load and validate the three built-in models", budget_s=1.0, repeat=3)
def load_models() -> None:
    builtin_models.cache_clear()
    for path in sorted(Path(builtin_models.__module__.replace(".", "/")).parent.glob("builtin/*.yaml")):
        load_model_file(path)
    builtin_models()


# 3 s before encryption; the key derivation and the integrity check of the whole encrypted file
# (85 MB) at every start add about 0.6 s (measured 3.3 s).
@bench("start-up until the list of 10,000 clients has painted (--startup-check)", budget_s=4.0)
def startup_10k() -> None:
    import os
    import subprocess

    from broadtalk.workstation import use_practitioner_here

    db = Database.open(BIG, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            use_practitioner_here(tx, list_practitioners(tx)[0])
    finally:
        db.close()
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "BROADTALK_HOME": str(WORK),
        "BROADTALK_PASSPHRASE": PASSPHRASE,
    }
    subprocess.run(
        [sys.executable, "-m", "broadtalk", "--db", str(BIG), "--startup-check"],
        check=True,
        env=env,
        capture_output=True,
    )


# -- handover documents --------------------------------------------------------------------------

#: A handover PDF in a running app (fonts registered, modules imported) is made in 150 ms: the
#: preview appears without a wait. Each run is the whole use case: one transaction, the consent
#: check, the content loaded from the encrypted database, the PDF built in memory.
HANDOVER_BUDGET_S = 0.150
HANDOVER_REPEAT = 7


def _trivial_pdf() -> bytes:
    """The floor: ReportLab making a one-page PDF with two lines in the handover's fonts."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from broadtalk.handover.pdf_text import FONT, FONT_BOLD, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(
        [
            Paragraph("Warme overdracht", ParagraphStyle("title", fontName=FONT_BOLD, fontSize=16, leading=20)),
            Paragraph("Een regel tekst.", ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14)),
        ]
    )
    return buffer.getvalue()


def handover_pdfs() -> None:
    from broadtalk.handover.export import CLIENT_COPY, HANDOVER_PDF, render_document
    from broadtalk.permissions import Permission, allows
    from broadtalk.referrals import list_referrals

    kinds = {HANDOVER_PDF: "the letter", CLIENT_COPY: "the client's copy"}
    db = Database.open(BIG, passphrase=PASSPHRASE)
    try:
        with db.transaction() as tx:
            # A carer: the role that holds the conversations and makes the handovers.
            actor = next(
                p
                for p in list_practitioners(tx)
                if allows(p, Permission.EXPORT_HANDOVERS) and allows(p, Permission.VIEW_CONVERSATIONS)
            )
            consented = [
                r for r in list_referrals(tx, actor, today=TODAY) if r.consent and r.consent_status(TODAY) == "given"
            ]
        if not consented:
            raise SystemExit("bench handover: the demo has no referral with a valid consent")

        def render(referral_id: int, kind: str) -> bytes:
            with db.transaction() as tx:
                return render_document(tx, actor, referral_id, kind, today=TODAY)[1]

        # Untimed, as in an app that has made a document before: ReportLab and the PDF code
        # imported, fonts registered; also how large each referral's documents come out.
        size = {r.id: sum(len(render(r.id, kind)) for kind in kinds) for r in consented}
        _trivial_pdf()
        domains = {r.id: len(r.consent.domains) for r in consented if r.consent}
        # The worst: the most shared domains, then the most content (the largest documents).
        worst = max(consented, key=lambda r: (domains[r.id], size[r.id]))
        # Typical: two shared domains (the demo's usual), the middle one by size.
        usual = (
            [r for r in consented if domains[r.id] == 2 and r.id != worst.id]
            or [r for r in consented if r.id != worst.id]
            or [worst]
        )
        usual.sort(key=lambda r: size[r.id])
        typical = usual[len(usual) // 2]
        floor = best_of(HANDOVER_REPEAT, _trivial_pdf)
        for label, referral in (("typical", typical), ("worst", worst)):
            for kind, document in kinds.items():
                took = best_of(HANDOVER_REPEAT, lambda r=referral.id, k=kind: render(r, k))
                name = (
                    f"handover PDF, warm: {document}, {label} referral "
                    f"(#{referral.id}, {domains[referral.id]} shared domains)"
                )
                REPORT.append(Result(name, took, HANDOVER_BUDGET_S, floor))
    finally:
        db.close()


# -- running -----------------------------------------------------------------------------------

#: Name -> (benchmark, needs the 10,000-client database); run in this order.
BENCHMARKS: dict[str, tuple[Callable[[], None], bool]] = {
    "demo": (demo_10k, False),
    "search": (search_10k, True),
    "open": (open_10k, True),
    "models": (load_models, False),
    "startup": (startup_10k, True),
    "handover": (handover_pdfs, True),
}


def _line(result: Result) -> str:
    verdict = "ok" if result.took <= result.budget else "OVER BUDGET"
    floor = ""
    if result.floor:
        floor = f", floor {result.floor * 1000:.1f} ms, {result.took / result.floor:.1f}x"
    return f"{verdict:<12} {result.took * 1000:10.1f} ms  (budget {result.budget * 1000:.0f} ms{floor})  {result.name}"


def main(argv: list[str]) -> int:
    try:
        return _run(argv)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


def _run(argv: list[str]) -> int:
    if "--list" in argv:
        print("\n".join(BENCHMARKS))
        return 0
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark: {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    for name, (run, needs_big) in BENCHMARKS.items():
        if argv and name not in argv:
            continue
        if needs_big:
            _need_big()
        run()
    for result in REPORT:
        print(_line(result))
    return 1 if any(r.took > r.budget for r in REPORT) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
