from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Posting
from accounts.permissions import IsEmployerUser, IsFeedService

from .. import selectors
from ..models import Clearance, RefundBatch, RefundItem
from ..services import batches, clearances
from .serializers import (
    ClearanceRequestSerializer,
    ClearanceSerializer,
    PendingAccountSerializer,
    PendingPostingSerializer,
    RefundBatchCreatedSerializer,
    RefundBatchFeedSerializer,
    RefundBatchSerializer,
    RefundItemSerializer,
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
