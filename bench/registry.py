"""The registry of professionals at a province's size: the load test's database
(bench/loadtest.py builds it) copied, and every registered professional copied nine times
over (794 → 7,940, about Hunan's 8,000 social workers), then the registry's pages, and
the accounts list beside them, timed in one process, as bench/profile_pages.py --cpu
times a page.

    python bench/registry.py            # copy and grow (about 10 s), then 60 requests a page
    python bench/registry.py --reuse    # the copy of the last run
    python bench/registry.py -n 100

Compare two commits by running it at each (``--reuse`` the second time: the copy is
migrated to the code that runs it, and an index an older commit does not know is left
unused). Prints, per page: the web process's CPU, its PostgreSQL backend's CPU and the
time in all, a request; nothing is asserted.
"""

import argparse
import os
import subprocess
import sys
import time

from loadtest import DB, ROOT, psql, setup_django
from webprofile import cpu_of

COPY = f"{DB}_registry"
PAGES = [
    ("hunan", "/workforce/registry/"),  # the province: awaiting review first
    ("hunan", "/workforce/registry/?page=40"),  # past the awaiting, 1,950 rows in
    ("hunan", "/workforce/registry/?status=verified"),
    ("xiangtan", "/workforce/registry/"),  # a city
    ("yuhu", "/workforce/registry/"),  # a county
    ("sysadmin", "/accounts/users/"),  # every account, by place, role and username
    ("hunan", "/accounts/users/"),
]

# each professional's account and profile nine times more, in the same places
GROW = """
BEGIN;
CREATE TEMP TABLE registered AS
  SELECT u.* FROM accounts_user u JOIN workforce_socialworkerprofile p ON p.user_id = u.id;
INSERT INTO accounts_user (password, last_login, is_superuser, username, first_name,
  last_name, email, is_staff, is_active, date_joined, full_name, phone, role, agency_id,
  scope_region_id, station_id, password_changed_at, version, must_change_password)
SELECT password, last_login, is_superuser, username || 'x' || g, first_name, last_name,
  email, is_staff, is_active, date_joined, full_name || g, phone, role, agency_id,
  scope_region_id, station_id, password_changed_at, version, must_change_password
FROM registered, generate_series(1, 9) g;
INSERT INTO workforce_socialworkerprofile (birth_date, education, major, social_work_major,
  qualification, certificate_no, certificate_date, hire_date, user_id, version,
  certificate_note, certificate_reviewed_at, certificate_reviewed_by_id, certificate_scan,
  certificate_scan_kind, certificate_status, on_public_board)
SELECT p.birth_date, p.education, p.major, p.social_work_major, p.qualification,
  p.certificate_no, p.certificate_date, p.hire_date, n.id, p.version, p.certificate_note,
  p.certificate_reviewed_at, p.certificate_reviewed_by_id, p.certificate_scan,
  p.certificate_scan_kind, p.certificate_status, p.on_public_board
FROM workforce_socialworkerprofile p
JOIN registered o ON o.id = p.user_id
JOIN generate_series(1, 9) g ON true
JOIN accounts_user n ON n.username = o.username || 'x' || g;
COMMIT;
"""


def build() -> None:
    psql(f"DROP DATABASE IF EXISTS {COPY} WITH (FORCE)")
    psql(f"CREATE DATABASE {COPY} TEMPLATE {DB}")
    psql(GROW, COPY)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=60)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    url = f"postgres://postgres@127.0.0.1:5432/{COPY}"
    if not args.reuse:
        build()
    env = {**os.environ, "DATABASE_URL": url, "SHEGONG_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    psql("ANALYZE", COPY)
    print(psql("SELECT count(*) FROM workforce_socialworkerprofile", COPY), "professionals")
    setup_django(DATABASE_URL=url, SHEGONG_ALLOWED_HOSTS="testserver")
    from django.db import connection
    from django.test import Client

    from shegong.accounts.models import User

    for username, path in PAGES:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for _ in range(3):  # warm: templates, translations, prepared statements
            assert client.get(path).status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        began, cpu, db_cpu = time.perf_counter(), time.process_time(), cpu_of(backend)
        for _ in range(args.n):
            assert client.get(path).status_code == 200
        n = args.n
        print(
            f"{path} as {username}: {1000 * (time.process_time() - cpu) / n:.2f} ms of CPU "
            f"(+ {1000 * (cpu_of(backend) - db_cpu) / n:.2f} ms in PostgreSQL), "
            f"{1000 * (time.perf_counter() - began) / n:.1f} ms in all"
        )


if __name__ == "__main__":
    main()
