"""Evidence uploads live in the core (`accounts.uploads`), shared with the wallet."""

from accounts.uploads import (  # noqa: F401  (enrollment's models, admin and services use these)
    MAX_EVIDENCE_BYTES,
    CheckedUpload,
    PrivateStorage,
    evidence_check,
    private_storage,
)
