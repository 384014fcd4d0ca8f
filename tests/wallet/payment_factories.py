"""Designated institutions with settlement tokens, funded wallets and payment codes."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import DesignatedInstitution, InsuredPerson
from accounts.services import ledger
from accounts.services.service_users import service_token_create
from tests.wallet.factories import WALLET_REGION, insured_person, open_wallet, region
from wallet.services import payment_codes


def institution(
    code: str = "H14010001", name: str = "太原市人民医院", region_code: str = WALLET_REGION
) -> DesignatedInstitution:
    """A designated institution with its settlement token (made as the command makes it)."""
    service_token_create(
        name=f"hospital-{code}".lower(),
        scopes=("settlement",),
        institution_code=code,
        institution_name=name,
        institution_region=region(region_code),
    )
    return DesignatedInstitution.objects.select_related("service_user", "region").get(code=code)


def client_with_token(user) -> APIClient:
    """A client sending the user's real API token, as a connected system does."""
    client = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def funded_person(fen: int = 50_000) -> InsuredPerson:
    """A person whose open wallet (used in 太原) holds `fen`."""
    person = insured_person()
    wallet = open_wallet(person)
    ledger.posting_create(
        from_account=ledger.region_account(region=region()),
        to_account=wallet.account,
        amount_fen=fen,
        kind="TEST",
        idempotency_key=f"wallet-seed:{wallet.pk}",
    )
    return person


def code_for(person: InsuredPerson, at: DesignatedInstitution, max_amount: str = "200.00") -> str:
    return payment_codes.payment_code_create(
        person=person, institution_code=at.code, max_amount=max_amount
    )[1]
