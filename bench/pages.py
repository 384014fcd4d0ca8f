"""Benchmark: portal pages and API reads under gunicorn with the production settings.

    apt-get install wrk    # the load generator (Debian's package `wrk`)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/pages.py [--seconds 5] [--rounds 5] [--port 8105]

It creates (and at the end drops) its own database `bench_pages` on that server with the demo
data (`seed_demo`: a person with ten monthly credits, employers, staff), and through the
services a person with 1,000 postings, a wallet and a refund batch of the demo employer.
It collects the static files, starts gunicorn (config.settings.production, 2 sync workers,
DEBUG off, HTTPS as behind the proxy: every request says X-Forwarded-Proto: https), signs in
once per identity (session cookie for pages, API token for the API) and loads each target
with wrk, 8 connections for a fixed time, round after round. The floor is a bare view on the
same middleware stack (/bench/floor/, served only because BENCH_FLOOR_VIEW is set here), loaded
with the person's session cookie: the session and user reads every signed-in page makes are
part of the stack the pages stand on. The same view without a session (no session or user read
at all) is measured and compared too, for information. It prints, per target, the medians over
the rounds of requests/s, p50 and p99, and last `ratio N.NNx` = the floor's requests/s / the
slowest target's (target <= 4.0; API reads p99 < 100 ms; /account/ with 1,000 postings within
10% of the one with 10).
"""

import argparse
import http.client
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path

import support

BENCH_DB = "bench_pages"
REGION = "610100"
CONNECTIONS = 8
WORKERS = 2
MANY_POSTINGS = 1_000
FLOOR = "floor (bare view, signed in)"
# For information: the bare view without a session skips the session and user reads.
ANONYMOUS_FLOOR = "bare view, no session (info)"
PROJECT = Path(__file__).resolve().parent.parent


def build() -> dict:
    """The demo data plus what the targets need; the logins (username → password)."""
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import InsuredPerson, LedgerAccount, Posting, Region
    from accounts.services import ledger
    from accounts.services.ledger_bulk import Move
    from demo.services import DEMO_PASSWORD, demo_national_id
    from enrollment.models import Enrollment
    from wallet.services.wallets import wallet_open

    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    region = Region.objects.get(pk=REGION)
    few, many = (InsuredPerson.objects.get(national_id=demo_national_id(i)) for i in (0, 1))
    if not LedgerAccount.objects.filter(person=few, kind=LedgerAccount.Kind.WALLET).exists():
        wallet_open(by=few, usage_region=region)

    # The second person's statement grows to 1,000 postings: credits of 2017-2025.
    fund = ledger.region_account(region=region)
    current = LedgerAccount.objects.get(person=many, kind=LedgerAccount.Kind.PERSON_CURRENT)
    missing = MANY_POSTINGS - Posting.objects.filter(to_account__person=many).count()
    moves = [
        Move(
            fund.pk,
            current.pk,
            20_000 + n,
            "CREDIT_IN_SERVICE",
            f"bench:{many.pk}:{n}",
            f"{2017 + n % 108 // 12}{n % 12 + 1:02d}",
        )
        for n in range(missing)
    ]
    ledger.postings_create(moves=moves)

    # A refund batch of the demo employer (unless the demo made some): every employee's paid
    # months, base corrected down.
    employee = Enrollment.objects.filter(person=few, employer__isnull=False).first()
    employer = employee.employer
    if not employer.refund_batches.exists():
        _refund_batch(few, employer)
    # Statistics as autovacuum keeps them on a live database: plans as production's.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "few": (few.national_id, DEMO_PASSWORD),
        "many": (many.national_id, DEMO_PASSWORD),
        "employer": (employer.code, DEMO_PASSWORD),
    }


def _refund_batch(few, employer) -> None:
    from refunds.services import batches

    contributions = [
        row
        for row in few.contributions.all()
        if row.region_id == employer.region_id and row.period <= "202606"
    ]
    periods = sorted({row.period for row in contributions})
    checked = batches.refund_batch_check(
        reference="BENCH-PAGES",
        region_code=employer.region_id,
        employer_code=employer.code,
        periods=periods,
        items=[
            {
                "national_id": few.national_id,
                "period": row.period,
                "paid_base": f"{row.base_fen // 100}.00",
                "corrected_base": f"{row.base_fen // 100 - 1000}.00",
            }
            for row in contributions
        ],
    )
    batches.refund_batch_create(checked=checked, submitted_by=None)


def postings_of(national_id: str) -> int:
    from django.db.models import Q

    from accounts.models import Posting

    return Posting.objects.filter(
        Q(to_account__person__national_id=national_id)
        | Q(from_account__person__national_id=national_id)
    ).count()


class Client:
    """http.client against the benchmark's server, as the proxy would forward it."""

    def __init__(self, port: int):
        self.port = port
        self.headers = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{port}"}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def session_cookie(self, username: str, password: str) -> str:
        """Signs in through the login page; `sessionid=...`."""
        response, page = self.request("GET", "/login/")
        csrf = SimpleCookie(response.getheader("Set-Cookie"))["csrftoken"].value
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = f"csrfmiddlewaretoken={token.decode()}&username={username}&password={password}"
        origin = f"https://127.0.0.1:{self.port}"
        response, _ = self.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf}",
                "Origin": origin,
                "Referer": f"{origin}/login/",
            },
        )
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        if response.status != 302 or "sessionid" not in cookies:
            sys.exit(f"sign-in of {username} failed: {response.status}")
        return f"sessionid={cookies['sessionid'].value}"

    def api_token(self, username: str, password: str) -> str:
        body = json.dumps({"username": username, "password": password})
        response, data = self.request(
            "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"}
        )
        if response.status != 200:
            sys.exit(f"API token of {username} failed: {response.status} {data[:200]}")
        return f"Token {json.loads(data)['token']}"


def start_server(url: str, port: int, static_root: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": support.with_database(url, BENCH_DB),
        "SECRET_KEY": "bench-pages-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": static_root,
        "BENCH_FLOOR_VIEW": "true",
    }
    env.pop("REDIS_URL", None)
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT, env=env, check=True
    )
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi",
            f"--workers={WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        cwd=PROJECT,
        env=env,
    )
    client = Client(port)
    for _ in range(100):
        try:
            response, _ = client.request("GET", "/healthz")
            if response.status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer /healthz")


def seconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def load(port: int, path: str, headers: list[str], duration: int) -> tuple[float, float, float]:
    """wrk for `duration` seconds with CONNECTIONS connections: requests/s, p50 and p99 (s)."""
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "30s",
        "-H",
    ]
    command += ["X-Forwarded-Proto: https"]
    for header in headers:
        command += ["-H", header]
    output = subprocess.run(
        [*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"{path}: errors under load\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = seconds(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = seconds(re.search(r"\s99%\s+(\S+)", output).group(1))
    return rps, p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="load time per target a round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    url = support.server_url()
    support.recreate_database(url, BENCH_DB)
    support.setup_django(url, BENCH_DB)
    print(f"pages benchmark: gunicorn {WORKERS} workers, production settings, wrk {CONNECTIONS}")
    print(f"connections, {args.seconds} s per target, {args.rounds} rounds (medians)")
    _seconds, logins = support.timed("build demo data, postings, wallet, refund batch", build)
    for who in ("few", "many"):
        print(f"postings of the {who!r} person: {postings_of(logins[who][0]):,}")
    from django.db import connections

    connections.close_all()

    static_root = tempfile.mkdtemp(prefix="bench_pages_static_")
    server = start_server(url, args.port, static_root)
    try:
        client = Client(args.port)
        few = client.session_cookie(*logins["few"])
        many = client.session_cookie(*logins["many"])
        employer = client.session_cookie(*logins["employer"])
        token = client.api_token(*logins["few"])
        targets = [
            (FLOOR, "/bench/floor/", [f"Cookie: {few}"]),
            (ANONYMOUS_FLOOR, "/bench/floor/", []),
            ("API /api/v1/me/account/", "/api/v1/me/account/", [f"Authorization: {token}"]),
            ("API /api/v1/me/credits/", "/api/v1/me/credits/", [f"Authorization: {token}"]),
            ("API /api/v1/me/postings/", "/api/v1/me/postings/", [f"Authorization: {token}"]),
            ("page / (person)", "/", [f"Cookie: {few}"]),
            ("page /account/ (10 postings)", "/account/", [f"Cookie: {few}"]),
            ("page /account/ (1,000 postings)", "/account/", [f"Cookie: {many}"]),
            ("page /wallet/", "/wallet/", [f"Cookie: {few}"]),
            ("page /employer/refunds/", "/employer/refunds/", [f"Cookie: {employer}"]),
        ]
        for label, path, headers in targets:
            pairs = [h.split(": ", 1) for h in headers]
            response, _ = client.request("GET", path, headers=dict(pairs))
            if response.status != 200:
                sys.exit(f"{label}: {path} answers {response.status}, not 200")
        results = {label: [] for label, _path, _headers in targets}
        for round_ in range(1, args.rounds + 1):
            for label, path, headers in targets:
                results[label].append(load(args.port, path, headers, args.seconds))
            print(f"round {round_} done")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(static_root, ignore_errors=True)

    print()
    print(f"{'target':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    medians, api_p99 = {}, []
    for label, rounds in results.items():
        rps, p50, p99 = (statistics.median(column) for column in zip(*rounds, strict=True))
        medians[label] = rps
        if label.startswith("API"):
            api_p99.append(p99)
        print(f"{label:<34}{rps:>9.1f}{p50 * 1000:>9.1f}{p99 * 1000:>9.1f}")
    floor = medians.pop(FLOOR)
    anonymous_floor = medians.pop(ANONYMOUS_FLOOR)
    slowest = min(medians, key=medians.get)
    few_rps = medians["page /account/ (10 postings)"]
    many_rps = medians["page /account/ (1,000 postings)"]
    print()
    print(f"API reads, highest p99:          {max(api_p99) * 1000:.1f} ms   (target < 100 ms)")
    print(f"/account/ 1,000 postings vs 10:  {many_rps / few_rps:.0%}   (target >= 90%)")
    print(f"slowest: {slowest} ({medians[slowest]:.1f} req/s), floor {floor:.1f} req/s")
    print(
        f"against the bare view without a session ({anonymous_floor:.1f} req/s): "
        f"{anonymous_floor / medians[slowest]:.2f}x"
    )
    if not args.keep:
        support.drop_database(url, BENCH_DB)
    print(f"ratio {floor / medians[slowest]:.2f}x")


if __name__ == "__main__":
    main()
