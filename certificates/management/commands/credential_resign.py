"""Queue re-signing of credentials signed before they carried a Data Integrity proof."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("Queue re-signing (Celery) of every certificate whose stored credential has no "
            "Data Integrity proof (signed by an earlier version: a VC-JWT only), so that it "
            "can be downloaded as JSON-LD too; --all: every certificate's credential.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true",
                            help="Re-sign every credential, not only those without a proof.")

    def handle(self, *args, all=False, **options):  # noqa: A002 - the option's name
        from certificates.credentials.signing import credential_ld
        from certificates.models.issued import Certificate
        from certificates.tasks import certificate_credential_sign

        queued = 0
        rows = Certificate.objects.values_list("pk", "credential").iterator(chunk_size=2000)
        for pk, credential in rows:
            if all or credential_ld(credential) is None:
                certificate_credential_sign.delay(pk)
                queued += 1
        self.stdout.write(f"Queued re-signing of {queued} credentials.")
