"""Transfer API: thin views over the transfer services and selectors; a person sees only
their own applications (anyone else's id is a 404)."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsInsuredPerson
from config.parsers import JSONParser

from .. import selectors, services
from ..certificate import certificate_pdf
from .serializers import (
    InsuranceTransferApplySerializer,
    InsuranceTransferSerializer,
    InsuranceTransferStatusSerializer,
)


def _own(request, pk: int):
    application = selectors.application_for_person(person=request.user.person, application_id=pk)
    if application is None:
        raise services.NotFound(_("未找到该转移接续申请。"))
    return application


class TransfersView(APIView):
    """The caller's transfer applications (转移接续); apply with both sides of the ID card."""

    permission_classes = [IsInsuredPerson]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses={200: InsuranceTransferSerializer(many=True)})
    def get(self, request):
        rows = selectors.applications_for_person(person=request.user.person)
        return Response(InsuranceTransferSerializer(rows, many=True).data)

    @extend_schema(
        request={"multipart/form-data": InsuranceTransferApplySerializer},
        responses={201: InsuranceTransferStatusSerializer},
    )
    def post(self, request):
        serializer = InsuranceTransferApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.transfer_apply(
            person=request.user.person, **serializer.validated_data
        )
        return Response(
            InsuranceTransferStatusSerializer(application).data, status=status.HTTP_201_CREATED
        )


class TransferDetailView(APIView):
    """One application: status, both due dates, every step with who and when, the certificate."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: InsuranceTransferSerializer})
    def get(self, request, pk: int):
        return Response(InsuranceTransferSerializer(_own(request, pk)).data)


class TransferWithdrawView(APIView):
    """The applicant withdraws while the application is SUBMITTED."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(request=None, responses={200: InsuranceTransferStatusSerializer})
    def post(self, request, pk: int):
        application = services.transfer_withdraw(application_id=pk, person=request.user.person)
        return Response(InsuranceTransferStatusSerializer(application).data)


class TransferCertificateView(APIView):
    """The 《参保凭证》 PDF, once the transfer-out side approved."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
        }
    )
    def get(self, request, pk: int):
        application = _own(request, pk)
        if not application.certificate_number:
            raise services.NotFound(_("该申请尚未开具《参保凭证》。"))
        response = HttpResponse(certificate_pdf(application), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{application.pk}.pdf"'
        return response
