"""Benchmark: what /account/ (and the wallet statement) costs a worker, 10 vs 1,000 postings.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python \
        bench/statement_page.py [--requests 200] [--profile]

It creates (and at the end drops) its own database `yibao_bench_statement`: two employees in
西安, one with 10 postings, one with 1,000. For each it requests /account/ in-process through
Django's test client (the whole middleware, view and template; no network, no server) and
prints the median and 90th percentile of the wall time per request, the median CPU time of
this process (the worker's share: rendering, ORM, driver), the queries per request and the
ratio of the two persons' medians (the page should cost the same for both). With
--profile it prints where the time of the 1,000-posting page goes. The load test under
gunicorn is bench/pages.py.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time

import support

NAME = "yibao_bench_statement"


def person_with_postings(n: int, postings: int):
    from accounts.models import PostingKind, Region
    from accounts.services import ledger
    from accounts.services.ledger_bulk import Move, postings_post_rows
    from accounts.services.personal_accounts import personal_account_open
    from tests.factories import InsuredPersonFactory, make_national_id

    person = InsuredPersonFactory(national_id=make_national_id(90_000 + n), with_user=True)
    account = personal_account_open(person=person, region=Region.objects.get(pk="610100"))
    fund = ledger.region_account(region=account.region).pk
    bank = ledger.external_account(code="BANK").pk
    # What both persons show on the page: 7 credits of this year and 3 payments. The many
    # have ~990 older postings before them (money moved in once, then small payments), so
    # the pages differ in the number of postings only, not in what they show.
    older = max(postings - 10, 0)
    moves = []
    if older:
        moves.append(Move(fund, account.current_id, 1_000_000, PostingKind.TRANSFER, f"t:{n}"))
        moves += [
            Move(account.current_id, bank, 100, "PHARMACY", f"old:{n}:{i}")
            for i in range(older - 1)
        ]
    moves += [
        Move(
            fund,
            account.current_id,
            16_000,
            PostingKind.CREDIT_IN_SERVICE,
            f"c:{n}:{i}",
            period=f"2026{i + 1:02d}",
        )
        for i in range(7)
    ]
    moves += [Move(account.current_id, bank, 100, "PHARMACY", f"b:{n}:{i}") for i in range(3)]
    for start in range(0, len(moves), 200):
        postings_post_rows(moves=moves[start : start + 200])
    return person


def measure(person, requests: int, url: str = "/account/") -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(person.user)
    for _ in range(10):  # warm: templates compiled, catalogs loaded
        assert client.get(url).status_code == 200
    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        client.get(url)
    wall, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    wall.sort()
    return {
        "median": statistics.median(wall),
        "p90": wall[int(len(wall) * 0.9)],
        "cpu": statistics.median(cpu),
        "queries": len(queries),
        "client": client,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = support.server_url()
    support.recreate_database(url, NAME)
    support.setup_django(url, NAME)
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        few, many = person_with_postings(1, 10), person_with_postings(2, 1000)
        results = {}
        for label, person in (("10 postings", few), ("1,000 postings", many)):
            results[label] = measure(person, args.requests)
            r = results[label]
            print(
                f"/account/ {label}: median {r['median']:.1f} ms (p90 {r['p90']:.1f} ms), "
                f"CPU of this process {r['cpu']:.1f} ms, {r['queries']} queries"
            )
        for key, what in (("median", "wall"), ("cpu", "CPU")):
            ratio = results["1,000 postings"][key] / results["10 postings"][key]
            print(f"ratio 1,000 / 10 postings ({what}): {ratio:.2f}x")
        if args.profile:
            client = results["1,000 postings"]["client"]
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                client.get("/account/")
            profile.disable()
            pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    finally:
        support.drop_database(url, NAME)


if __name__ == "__main__":
    main()
