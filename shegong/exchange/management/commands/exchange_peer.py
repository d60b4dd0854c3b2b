"""Trust another deployment (its name, public key and regions), or list the trusted ones."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shegong.exchange import package as fmt
from shegong.exchange import services
from shegong.exchange.models import Peer


class Command(BaseCommand):
    help = (
        "exchange_peer NAME --key BASE64 --region CODE [--region CODE …] [--rules]: accept "
        "packages signed by that key, with figures for those regions (and rule sets with "
        "--rules); exchange_peer NAME --pull-url URL --pull-token TOKEN [--pull-rules CODE]: "
        "fetch its packages (exchange_pull). Without NAME: list the trusted deployments."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--key", help="the peer's public key, as exchange_key prints it")
        parser.add_argument("--region", action="append", default=[], dest="regions")
        parser.add_argument("--rules", action="store_true", help="the peer sends rule sets")
        parser.add_argument("--deactivate", action="store_true")
        parser.add_argument("--pull-url", help="its outbox: https://…/api/exchange/outbox")
        parser.add_argument("--pull-token", help="the API token it made for this deployment")
        parser.add_argument("--pull-rules", default="", help="fetch the rule sets of CODE")

    def handle(self, *args, name=None, key=None, regions=(), rules=False, deactivate=False, **o):
        if name and o.get("pull_url") is not None:
            try:
                peer = services.peer_pull_set(
                    name=name, url=o["pull_url"], token=o["pull_token"] or "", rules=o["pull_rules"]
                )
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(f"{peer.name}: pulled from {peer.pull_url or '(nowhere)'}")
            return
        if not name:
            for peer in Peer.objects.order_by("name"):
                state = "" if peer.is_active else " (inactive)"
                rules_text = " +rules" if peer.sends_rules else ""
                pulled = f"  pulled from {peer.pull_url}" if peer.pull_url else ""
                self.stdout.write(
                    f"{peer.name}{state}  key {peer.key_id}  regions {peer.regions}{rules_text}"
                    f"{pulled}"
                )
            return
        if deactivate:
            if not Peer.objects.filter(name=name).update(is_active=False):
                raise CommandError(f"No trusted deployment is called {name}.")
            self.stdout.write(f"{name}: its packages are no longer accepted")
            return
        if not key:
            raise CommandError("Give the peer's public key with --key.")
        try:
            peer = services.add_peer(
                name=name, public_key=key, regions=list(regions), sends_rules=rules
            )
        except (ValidationError, fmt.PackageError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"trusted {peer.name}: key {peer.key_id}, regions {peer.regions}")
