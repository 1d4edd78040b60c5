"""The pages of certificates, one module per subject: ``path`` (a broker's path to the next
level, the ready list), ``issued`` (certificates, their administration, public verification,
the exports), ``designs`` (the certificate's design), ``bulk`` (bulk runs), ``oid4vci``
(wallet issuance)."""
