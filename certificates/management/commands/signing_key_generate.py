"""Create (or rotate) the Ed25519 key that signs certificates' Open Badges credentials."""

from django.core.management.base import BaseCommand, CommandError

from certificates.credentials.signing import jwks_path, key_path, signing_key_generate


class Command(BaseCommand):
    help = ("Create the credential signing key at ACADEMY_SIGNING_KEY_PATH (never in the "
            "database or the repository). --rotate replaces it; the old public key stays "
            "published so that credentials signed with it still verify.")

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true",
                            help="Replace an existing key (new kid; the old one stays "
                                 "published).")
        parser.add_argument("--resign", action="store_true",
                            help="With --rotate: queue re-signing every certificate with the "
                                 "new key.")

    def handle(self, *args, rotate=False, resign=False, **options):
        try:
            kid = signing_key_generate(rotate=rotate)
        except FileExistsError as exc:
            raise CommandError(f"{exc}.") from exc
        self.stdout.write(f"Signing key {kid} written to {key_path()} (mode 600); public keys "
                          f"in {jwks_path()}, published at /.well-known/jwks.json.")
        if resign:
            from certificates.models.issued import Certificate
            from certificates.tasks import certificate_credential_sign

            ids = list(Certificate.objects.values_list("pk", flat=True))
            for pk in ids:
                certificate_credential_sign.delay(pk)
            self.stdout.write(f"Queued re-signing of {len(ids)} credentials.")
