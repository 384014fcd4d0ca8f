from dataclasses import asdict

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsEmployerUser, IsFeedService, IsInsuredPerson
from enrollment import selectors, services
from enrollment.models import DuplicateCase
from enrollment.services import name_checks

from .serializers import (
    MeSerializer,
    NameReportCreateSerializer,
    PersonFeedResultSerializer,
    PersonFeedSerializer,
    VerificationCaseSerializer,
)


class PersonFeedView(APIView):
    """Upsert persons and enrollments; the whole batch applies or nothing does."""

    permission_classes = [IsFeedService]

    @extend_schema(request=PersonFeedSerializer, responses={200: PersonFeedResultSerializer})
    def post(self, request):
        serializer = PersonFeedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.persons_feed_apply(
            rows=serializer.validated_data["persons"], source=f"feed:{request.user.username}"
        )
        payload = asdict(result)
        payload.pop("mismatched_national_ids")
        return Response(payload)


class MeView(APIView):
    """The signed-in insured person: masked ID, name and enrollments."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        person = selectors.person_with_enrollments(person_id=request.user.person.pk)
        return Response(MeSerializer(person).data)


class EmployerVerificationCaseListView(ListAPIView):
    """Name checks (核实) about the employer's employees, each with its latest name report."""

    permission_classes = [IsEmployerUser]
    serializer_class = VerificationCaseSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return DuplicateCase.objects.none()
        return selectors.name_checks_for_employer(employer=self.request.user.employer)


class EmployerVerificationCaseReportView(APIView):
    """The employer reports the right name: one of the case's two names, or a new one with a
    reason. Nothing changes until staff of the region confirm it in the admin."""

    permission_classes = [IsEmployerUser]

    @extend_schema(request=NameReportCreateSerializer, responses={201: VerificationCaseSerializer})
    def post(self, request, pk: int):
        case = get_object_or_404(
            selectors.verification_cases_for_employer(employer=request.user.employer), pk=pk
        )
        serializer = NameReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name_checks.name_report_create(case=case, by=request.user, **serializer.validated_data)
        case = selectors.name_checks_for_employer(employer=request.user.employer).get(pk=pk)
        return Response(VerificationCaseSerializer(case).data, status=201)
