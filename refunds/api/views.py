from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Posting
from accounts.permissions import IsEmployerUser, IsFeedService, IsInsuredPerson

from .. import selectors
from ..models import Clearance, RefundBatch, RefundItem, ResidentRefund, ResidentRefundDocument
from ..services import batches, clearances, premiums, resident
from .serializers import (
    ClearanceRequestSerializer,
    ClearanceSerializer,
    PendingAccountSerializer,
    PendingPostingSerializer,
    RefundBatchCreatedSerializer,
    RefundBatchFeedSerializer,
    RefundBatchSerializer,
    RefundItemSerializer,
    ResidentPremiumFeedResultSerializer,
    ResidentPremiumFeedSerializer,
    ResidentRefundApplySerializer,
    ResidentRefundCreatedSerializer,
    ResidentRefundMaterialsSerializer,
    ResidentRefundSerializer,
)


class RefundBatchFeedView(APIView):
    """单位差额退费批次 from the tax department: checked as a whole, all or nothing, with a
    row-by-row report (`items[3].corrected_base`); a reference used before is a 409."""

    permission_classes = [IsFeedService]

    @extend_schema(request=RefundBatchFeedSerializer, responses={201: RefundBatchCreatedSerializer})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        try:
            batch = batches.refund_batch_receive(
                reference=data.get("reference"),
                region_code=data.get("region"),
                employer_code=data.get("employer_code"),
                periods=data.get("periods"),
                items=data.get("items"),
                submitted_by=request.user,
            )
        except batches.BatchInvalid as invalid:
            raise serializers.ValidationError(invalid.errors) from None
        return Response({"id": batch.pk, "status": batch.status}, status=201)


class EmployerRefundBatchesView(ListAPIView):
    """The employer's refund batches with status and totals, newest first."""

    permission_classes = [IsEmployerUser]
    serializer_class = RefundBatchSerializer
    queryset = RefundBatch.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        return selectors.batches_for_employer(employer=self.request.user.employer)


class EmployerRefundBatchView(APIView):
    """One of the employer's batches (another's is a 404)."""

    permission_classes = [IsEmployerUser]

    @extend_schema(responses={200: RefundBatchSerializer})
    def get(self, request, pk: int):
        batch = selectors.batch_for_employer(employer=request.user.employer, batch_id=pk)
        return Response(RefundBatchSerializer(batch).data)


class CSVRenderer(renderers.BaseRenderer):
    """`?format=csv`: the view answers the CSV file itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class EmployerRefundItemsView(ListAPIView):
    """Per-employee, per-month details of one of the employer's batches, paginated; with
    `?format=csv` every item as a CSV file that opens in Excel (UTF-8 with BOM, yuan)."""

    permission_classes = [IsEmployerUser]
    serializer_class = RefundItemSerializer
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer, CSVRenderer]
    queryset = RefundItem.objects.none()  # for the schema; get_queryset scopes to the caller

    def _batch(self) -> RefundBatch:
        return selectors.batch_for_employer(
            employer=self.request.user.employer, batch_id=self.kwargs["pk"]
        )

    def get_queryset(self):
        return selectors.items_of(batch=self._batch())

    @extend_schema(parameters=[OpenApiParameter("format", str, enum=["json", "csv"])])
    def get(self, request, *args, **kwargs):
        if request.accepted_renderer.format != "csv":
            return super().get(request, *args, **kwargs)
        batch = self._batch()
        response = HttpResponse(
            selectors.items_csv(batch=batch), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="refund-{batch.pk}.csv"'
        return response


class EmployerPendingAccountView(APIView):
    """The employer's pending-transfer account (待转账户): its balance."""

    permission_classes = [IsEmployerUser]

    @extend_schema(responses={200: PendingAccountSerializer})
    def get(self, request):
        account = selectors.pending_account(employer=request.user.employer)
        return Response({"balance": selectors.yuan(account.balance_fen if account else 0)})


class EmployerPendingPostingsView(ListAPIView):
    """Every posting in or out of the employer's pending-transfer account, newest first."""

    permission_classes = [IsEmployerUser]
    serializer_class = PendingPostingSerializer
    queryset = Posting.objects.none()  # for the schema; get_queryset scopes to the caller

    def _account(self):
        if not hasattr(self, "_pending"):
            self._pending = selectors.pending_account(employer=self.request.user.employer)
        return self._pending

    def get_queryset(self):
        return selectors.pending_postings(account=self._account())

    def get_serializer_context(self):
        account = self._account()
        return {**super().get_serializer_context(), "account_id": account.pk if account else None}


class EmployerClearancesView(ListAPIView):
    """清退: the employer's requests (GET, newest first) and a new one (POST) paying pending
    money to its bank account; the amount is at most what is available (waiting requests
    reserve theirs)."""

    permission_classes = [IsEmployerUser]
    serializer_class = ClearanceSerializer
    queryset = Clearance.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        return selectors.clearances_for_employer(employer=self.request.user.employer)

    @extend_schema(request=ClearanceRequestSerializer, responses={201: ClearanceSerializer})
    def post(self, request):
        serializer = ClearanceRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        clearance = clearances.clearance_request(
            employer=request.user.employer, by=request.user, **serializer.validated_data
        )
        return Response(ClearanceSerializer(clearance).data, status=201)


class ResidentPremiumFeedView(APIView):
    """城乡居民医保 premiums from the tax department: idempotent per person, region and year,
    all or nothing, with row errors (`premiums[2].amount`)."""

    permission_classes = [IsFeedService]

    @extend_schema(
        request=ResidentPremiumFeedSerializer, responses={200: ResidentPremiumFeedResultSerializer}
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        try:
            counts = premiums.resident_premiums_receive(premiums=data.get("premiums"))
        except premiums.PremiumsInvalid as invalid:
            raise serializers.ValidationError(invalid.errors) from None
        return Response(counts)


_DOCUMENT_KINDS = [kind for kind in ResidentRefundDocument.Kind.values if kind != "supplement"]


class ResidentRefundsView(ListAPIView):
    """The person's resident refund applications (GET, newest first) and a new one (POST,
    multipart, the documents its type needs)."""

    permission_classes = [IsInsuredPerson]
    serializer_class = ResidentRefundSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = ResidentRefund.objects.none()  # for the schema; get_queryset scopes to the caller

    def get_queryset(self):
        return selectors.resident_refunds_for_person(person=self.request.user.person)

    @extend_schema(
        request={"multipart/form-data": ResidentRefundApplySerializer},
        responses={201: ResidentRefundCreatedSerializer},
    )
    def post(self, request):
        form = ResidentRefundApplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        refund = resident.resident_refund_apply(
            applicant=request.user.person,
            refund_type=data["type"],
            region_code=data["region"],
            year=data["year"],
            bank_name=data["bank_name"],
            bank_account=data["bank_account"],
            for_national_id=data.get("for_national_id", ""),
            documents={kind: data[kind] for kind in _DOCUMENT_KINDS if kind in data},
        )
        return Response({"id": refund.pk, "status": refund.status}, status=201)


class ResidentRefundView(APIView):
    """One of the person's applications: status, due date, timeline (another's is a 404)."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: ResidentRefundSerializer})
    def get(self, request, pk: int):
        refund = selectors.resident_refund_for_person(person=request.user.person, refund_id=pk)
        return Response(ResidentRefundSerializer(refund).data)


class ResidentRefundMaterialsView(APIView):
    """The materials staff asked for (multipart): the review clock starts again."""

    permission_classes = [IsInsuredPerson]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ResidentRefundMaterialsSerializer},
        responses={200: ResidentRefundSerializer},
    )
    def post(self, request, pk: int):
        form = ResidentRefundMaterialsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        resident.resident_refund_materials_submit(
            refund_id=pk, applicant=request.user.person, documents=dict(form.validated_data)
        )
        refund = selectors.resident_refund_for_person(person=request.user.person, refund_id=pk)
        return Response(ResidentRefundSerializer(refund).data)
