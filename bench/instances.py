"""What building a list's model instances costs, Django's way (``Model.__init__``) and
``core/instances.py``'s, on the load test's database (bench/loadtest.py builds it): the
querysets three list pages read for a social worker, each read N times with one way and
then the other, alternating, so the machine's drift falls on both. Prints the median CPU
time of each read and of one instance.

    python bench/instances.py            # 200 rounds
    python bench/instances.py -n 500
"""

import argparse
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--user", default="sw4303020012")
    args = parser.parse_args()
    from loadtest import setup_django

    setup_django(SHEGONG_FAST_ROWS="1")
    from django.apps import apps
    from django.db.models import Model

    from shegong.accounts.models import User
    from shegong.core import instances
    from shegong.people.selectors import recipient_list
    from shegong.work.selectors import activity_list, visit_list

    user = User.objects.get(username=args.user)
    reads = {
        "a visit list page": lambda: visit_list(user=user).prefetch_related(None)[:50],
        "a people list page": lambda: recipient_list(user=user)[:50],
        "an activity list page": lambda: activity_list(user=user)[:50],
    }
    models = [m for m in apps.get_models(include_auto_created=True) if "from_db" in m.__dict__]

    def django_way():
        for m in models:
            m.from_db = Model.__dict__["from_db"]

    def ours():
        for m in models:
            m.from_db = classmethod(instances.from_db)

    print(f"{args.n} rounds each, alternating; CPU time of one read, median")
    print("| read | instances | Django's ms | ours ms | change | µs an instance saved |")
    print("|---|---|---|---|---|---|")
    for name, make in reads.items():
        times: dict[str, list[float]] = {"django": [], "ours": []}
        built = 0
        for i in range(args.n * 2):
            way = "django" if i % 2 == 0 else "ours"
            (django_way if way == "django" else ours)()
            qs = make()
            began = time.process_time()
            rows = list(qs)
            times[way].append(time.process_time() - began)
            built = sum(1 + sum(1 for f in _joined(r)) for r in rows)
        ours()
        d, o = statistics.median(times["django"]), statistics.median(times["ours"])
        print(
            f"| {name} | {built} | {d * 1000:.2f} | {o * 1000:.2f} | "
            f"{(o - d) / d * 100:+.0f} % | {(d - o) / max(built, 1) * 1e6:.1f} |"
        )


def _joined(row):
    """The instances ``select_related`` hung on ``row``, and theirs."""
    for value in row._state.fields_cache.values():
        if value is not None:
            yield value
            yield from _joined(value)


if __name__ == "__main__":
    main()
