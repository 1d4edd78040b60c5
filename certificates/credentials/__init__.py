"""The verifiable credential machinery of certificates: Open Badges 3.0 credentials signed as
a VC-JWT and with a Data Integrity proof, the issuer's keys and DID, the status list, and
wallet issuance over OpenID4VCI.

A package of its own rather than modules of ``services/``: these modules implement published
standards (JSON-LD canonicalisation, eddsa-rdfc-2022 and eddsa-jcs-2022 proofs, JOSE, the
Bitstring Status List, OpenID4VCI) and know nothing of the academy's rules; the services call
them the way they call reportlab for the PDF. Keeping them apart lets a reader find the rules
of certificates in ``services/`` and ``selectors/``, and the standards here:

- ``jsonld``: the bundled contexts and canonicalisation (no network);
- ``data_integrity``: Data Integrity proofs and multikeys;
- ``signing``: the signing key (rotated, never dropped), the issuer profile and DID document,
  building and signing a certificate's credential in both proof formats;
- ``status_list``: the revocation status list, as a credential of its own;
- ``oid4vci``: the wallet offer, token, nonce and credential endpoints' logic.

Other apps use them through ``certificates.services`` and ``certificates.selectors``.
"""
