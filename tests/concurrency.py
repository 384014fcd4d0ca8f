"""Racing real transactions: each callable in its own thread and database connection."""

import threading

from django.db import connection


def run_in_threads(targets, *, timeout: float = 120) -> list:
    """Start every callable at the same moment; return each result or the exception it raised."""
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def runner(index, target):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as exc:  # collected and asserted by the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results
