from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import translation

from shegong.demo.community import demo_community_load
from shegong.demo.evaluation import demo_evaluation_load
from shegong.demo.exchange import demo_exchange_load
from shegong.demo.imports import demo_imports_load
from shegong.demo.province import DEMO_PASSWORD, demo_load
from shegong.demo.purchase import demo_purchase_load
from shegong.demo.residents import demo_residents_load
from shegong.demo.signoff import demo_signoff_load
from shegong.demo.work import demo_work_load
from shegong.indicators import partitions


class Command(BaseCommand):
    help = "Load the demo province (Xiangtan and Zhangjiajie, Hunan). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-work", action="store_true", help="stations and staff only, no year of work"
        )
        parser.add_argument(
            "--allow-production", action="store_true", help="load even when not debugging (tests)"
        )

    def handle(self, *args, **opts):

        if not settings.DEBUG and not opts["allow_production"]:
            raise CommandError(
                "load_demo creates accounts with a published password; it runs only with "
                "SHEGONG_DEBUG=1 (演示数据只能在调试模式下加载)."
            )
        translation.activate("zh-hans")
        try:
            summary = demo_load()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"demo: {summary.agencies} agencies, {summary.stations} stations, "
                f"{summary.users} accounts"
            )
        )
        if not opts["no_work"]:
            counts = demo_work_load()
            self.stdout.write(
                "demo work (a year): " + ", ".join(f"{k} {v}" for k, v in counts.items())
            )
            bought = demo_purchase_load()
            self.stdout.write(
                "demo purchase (the year): " + ", ".join(f"{k} {v}" for k, v in bought.items())
            )
            signed = demo_signoff_load()
            self.stdout.write("demo sign-off: " + ", ".join(f"{k} {v}" for k, v in signed.items()))
            helped = demo_community_load()
            self.stdout.write(
                "demo volunteers: " + ", ".join(f"{k} {v}" for k, v in helped.items())
            )
            asked = demo_residents_load()
            self.stdout.write("demo residents: " + ", ".join(f"{k} {v}" for k, v in asked.items()))
            imported = demo_imports_load()
            self.stdout.write("demo imports: " + ", ".join(f"{k} {v}" for k, v in imported.items()))
            shared = demo_exchange_load()
            self.stdout.write("demo exchange: " + ", ".join(f"{k} {v}" for k, v in shared.items()))
            evaluated = demo_evaluation_load()
            self.stdout.write(
                "demo evaluation: " + ", ".join(f"{k} {v}" for k, v in evaluated.items())
            )
        # the demo's facts of past years into partitions of their own (PostgreSQL; they
        # were written into the default partition, the migration having made this year's
        # and next year's only)
        created = partitions.ensure()
        if created:
            self.stdout.write("fact partitions: " + ", ".join(map(str, created)))
        # planner statistics for what was just written: without them (autovacuum off, or
        # not yet run) PostgreSQL guesses one row per table and picks nested loops (a
        # dashboard's count of signed-off months took 35 ms instead of 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write("")
        self.stdout.write(
            "Public station pages, no login / 社工站公开页（无需登录）: /public/ "
            "(e.g. /public/?region=430302001001)"
        )
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all / 所有演示账号密码: {DEMO_PASSWORD})")
        for username, role, scope in summary.logins:
            self.stdout.write(f"  {username:<16} {role:<12} {scope}")
