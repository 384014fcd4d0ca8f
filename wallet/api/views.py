"""Wallet API: thin views over the wallet's services and selectors."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import Invalid, NotFound
from accounts.models import InsuredPerson, Posting
from accounts.permissions import IsInsuredPerson, IsSettlementService

from .. import selectors
from ..services import family, payment_codes, payments, transfers, wallets
from .serializers import (
    CodeSerializer,
    FamilyBindingCreateSerializer,
    FamilyBindingSerializer,
    MedicalPaySerializer,
    PaymentCodeCreatedSerializer,
    PaymentCodeCreateSerializer,
    PaymentCodeSerializer,
    PaymentSerializer,
    PremiumPaySerializer,
    TransferCreatedSerializer,
    TransferCreateSerializer,
    TransferSerializer,
    TransferStatusSerializer,
    UsageRegionChangeSerializer,
    WalletOpenSerializer,
    WalletPostingSerializer,
    WalletSerializer,
    WalletUpdateSerializer,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="同一键再次提交得到同一笔业务，不会重复。",
)


def _person(request) -> InsuredPerson:
    return request.user.person


def _own_wallet(person: InsuredPerson):
    wallet = selectors.wallet_for_person(person=person)
    if wallet is None:
        raise NotFound(_("您尚未开通医保钱包。"))
    return wallet


# --- family ---------------------------------------------------------------------------------


class FamilyView(APIView):
    """Family bindings (近亲属): list both sides; ask to bind a relative (a minor child's first
    guardian binding as multipart, with evidence)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: FamilyBindingSerializer(many=True)})
    def get(self, request):
        person = _person(request)
        bindings = selectors.family_bindings_for_person(person=person)
        data = FamilyBindingSerializer(bindings, many=True, context={"person": person}).data
        return Response(data)

    @extend_schema(request=FamilyBindingCreateSerializer, responses={201: FamilyBindingSerializer})
    def post(self, request):
        serializer = FamilyBindingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = _person(request)
        binding = family.family_binding_request(requester=person, **serializer.validated_data)
        data = FamilyBindingSerializer(binding, context={"person": person}).data
        return Response(data, status=status.HTTP_201_CREATED)


class FamilyConfirmView(APIView):
    """The adult member, or for a minor member a confirmed guardian, confirms the binding."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: FamilyBindingSerializer})
    def post(self, request, pk: int):
        person = _person(request)
        binding = family.family_binding_confirm(binding_id=pk, by=person)
        return Response(FamilyBindingSerializer(binding, context={"person": person}).data)


class FamilyEndView(APIView):
    """Either adult side, or a minor side's confirmed guardian, ends the binding (declines or
    withdraws a pending one)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: FamilyBindingSerializer})
    def post(self, request, pk: int):
        person = _person(request)
        binding = family.family_binding_end(binding_id=pk, by=person)
        return Response(FamilyBindingSerializer(binding, context={"person": person}).data)


# --- wallet ---------------------------------------------------------------------------------


class WalletView(APIView):
    """The caller's wallet: open it (or a family member's), see it, change its usage region."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: WalletSerializer})
    def get(self, request):
        return Response(WalletSerializer(_own_wallet(_person(request))).data)

    @extend_schema(request=WalletOpenSerializer, responses={201: WalletSerializer})
    def post(self, request):
        serializer = WalletOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        by = _person(request)
        for_person = None
        if data.get("for_national_id") and data["for_national_id"] != by.national_id:
            for_person = InsuredPerson.objects.filter(national_id=data["for_national_id"]).first()
            if for_person is None:
                raise Invalid(
                    _("只能为已确认绑定的家庭成员代开通医保钱包。"), field="for_national_id"
                )
        wallet = wallets.wallet_open(
            by=by,
            usage_region=data["usage_region"],
            for_person=for_person,
            consent=data["consent"],
        )
        wallet = selectors.wallet_for_person(person=wallet.person)
        return Response(WalletSerializer(wallet).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WalletUpdateSerializer, responses={200: WalletSerializer})
    def patch(self, request):
        serializer = WalletUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = _person(request)
        wallets.wallet_usage_region_change(
            by=person, usage_region=serializer.validated_data["usage_region"]
        )
        return Response(WalletSerializer(_own_wallet(person)).data)


class UsageHistoryView(APIView):
    """Every usage-region (使用地) change of the caller's wallet, newest first."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: UsageRegionChangeSerializer(many=True)})
    def get(self, request):
        history = selectors.wallet_usage_history(wallet=_own_wallet(_person(request)))
        return Response(UsageRegionChangeSerializer(history, many=True).data)


class WalletHistoryView(ListAPIView):
    """Every posting in or out of the caller's wallet with the balance after it, paginated."""

    permission_classes = [IsInsuredPerson]
    serializer_class = WalletPostingSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation, no caller
            return Posting.objects.none()
        return selectors.wallet_history(wallet=_own_wallet(_person(self.request)))


# --- transfers ------------------------------------------------------------------------------


class TransfersView(APIView):
    """The caller's sent and received transfers; start a transfer (a code goes to the sender)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: TransferSerializer(many=True)})
    def get(self, request):
        person = _person(request)
        rows = selectors.transfers_for_person(person=person)
        return Response(TransferSerializer(rows, many=True, context={"person": person}).data)

    @extend_schema(
        request=TransferCreateSerializer,
        responses={201: TransferCreatedSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = TransferCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = transfers.wallet_transfer_create(
            sender=_person(request),
            to_national_id=serializer.validated_data["to_national_id"],
            amount=serializer.validated_data["amount"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        return Response(TransferCreatedSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferDetailView(APIView):
    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: TransferSerializer})
    def get(self, request, pk: int):
        person = _person(request)
        transfer = selectors.transfer_visible(person=person, transfer_id=pk)
        if transfer is None:
            raise NotFound(_("未找到该转账。"))
        return Response(TransferSerializer(transfer, context={"person": person}).data)


class TransferConfirmView(APIView):
    """The sender's one-time code: the money leaves into holding (SENT)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=CodeSerializer, responses={200: TransferStatusSerializer})
    def post(self, request, pk: int):
        serializer = CodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = transfers.wallet_transfer_confirm(
            transfer_id=pk, sender=_person(request), code=serializer.validated_data["code"]
        )
        return Response(TransferStatusSerializer(transfer).data)


class TransferAcceptView(APIView):
    """The recipient takes the money into their wallet (ACCEPTED)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: TransferStatusSerializer})
    def post(self, request, pk: int):
        transfer = transfers.wallet_transfer_accept(transfer_id=pk, recipient=_person(request))
        return Response(TransferStatusSerializer(transfer).data)


class TransferCancelView(APIView):
    """The sender withdraws a transfer still waiting for its code (CANCELLED)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: TransferStatusSerializer})
    def post(self, request, pk: int):
        transfer = transfers.wallet_transfer_cancel(transfer_id=pk, sender=_person(request))
        return Response(TransferStatusSerializer(transfer).data)


# --- payments -------------------------------------------------------------------------------


class PaymentsView(APIView):
    """Payments from the caller's wallet."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: PaymentSerializer(many=True)})
    def get(self, request):
        rows = selectors.wallet_payments(wallet=_own_wallet(_person(request)))
        return Response(PaymentSerializer(rows, many=True).data)


class PremiumPayView(APIView):
    """Pay one's own or a family member's resident-insurance premium from the wallet."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(
        request=PremiumPaySerializer,
        responses={201: PaymentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request):
        serializer = PremiumPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = payments.wallet_premium_pay(
            payer=_person(request),
            idempotency_key=request.headers.get("Idempotency-Key", "").strip(),
            **serializer.validated_data,
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class PaymentCodesView(APIView):
    """The caller's payment codes (付款码): generate one for an institution and a ceiling.

    The code is in the answer once; afterwards only its status and any refusal are shown.
    """

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: PaymentCodeSerializer(many=True)})
    def get(self, request):
        rows = selectors.payment_codes_for_person(person=_person(request))
        return Response(PaymentCodeSerializer(rows, many=True).data)

    @extend_schema(
        request=PaymentCodeCreateSerializer, responses={201: PaymentCodeCreatedSerializer}
    )
    def post(self, request):
        serializer = PaymentCodeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, code = payment_codes.payment_code_create(
            person=_person(request),
            institution_code=serializer.validated_data["institution"],
            max_amount=serializer.validated_data["max_amount"],
        )
        row.code = code
        return Response(PaymentCodeCreatedSerializer(row).data, status=status.HTTP_201_CREATED)


class MedicalPayView(APIView):
    """Designated hospitals and pharmacies (settlement token): the self-paid part of a bill.

    The person's payment code is their consent; the bill reference makes a retry answer the
    same payment. Any refusal about the person is one 402 answer that says nothing more.
    """

    permission_classes = [IsSettlementService]

    @extend_schema(
        request=MedicalPaySerializer,
        responses={
            201: PaymentSerializer,
            402: OpenApiResponse(description=_("支付未获授权（原因只告知参保人）")),
        },
    )
    def post(self, request):
        serializer = MedicalPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = payments.wallet_medical_pay(
            institution=request.user.institution,
            payment_code=data.get("payment_code", ""),
            bill_reference=data["bill_reference"],
            amount=data["amount"],
            actor_label=f"service:{request.user.username}",
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
