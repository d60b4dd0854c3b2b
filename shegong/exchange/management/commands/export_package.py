"""Write a signed data package for a region and year (for offline transfer, or to send)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shegong.exchange import services
from shegong.exchange.models import Package
from shegong.regions.models import Region


class Command(BaseCommand):
    help = (
        "export_package --region CODE --year YYYY [--rules] [--zip] -o FILE: the region's "
        "figures and registry (or, with --rules, the rule sets it publishes), signed with "
        "SHEGONG_EXCHANGE_KEY. No personal data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True)
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--rules", action="store_true")
        parser.add_argument("--zip", action="store_true", dest="zipped")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, region, year, rules, zipped, output, **options):
        place = Region.objects.filter(code=region).first()
        if place is None:
            raise CommandError(f"Region {region} is not known here.")
        if rules and len(place.code) > 4:
            raise CommandError("Rule sets are published by a province or city.")
        kind = Package.Kind.RULES if rules else Package.Kind.FIGURES
        data = services.export_package(region=place, year=year, kind=kind, zipped=zipped)
        Path(output).write_bytes(data)
        self.stdout.write(f"wrote {output} ({len(data)} bytes): {kind} of {place.name} {year}")
