from dataclasses import asdict

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts.permissions import IsFeedService
from accounts.services import contributions, registration

from .serializers import (
    ContributionFeedResultSerializer,
    ContributionFeedSerializer,
    EmployerFeedSerializer,
    EmployerRegistrationSerializer,
    FeedCountsSerializer,
    PersonRegistrationSerializer,
    RegistrationResultSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class RegisterView(APIView):
    """实名注册: a person (national_id) or an employer (employer_code) already known to us."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="Registration",
            serializers=[PersonRegistrationSerializer, EmployerRegistrationSerializer],
            resource_type_field_name=None,
        ),
        responses={201: RegistrationResultSerializer},
    )
    def post(self, request):
        is_employer = isinstance(request.data, dict) and "employer_code" in request.data
        if is_employer:
            serializer = EmployerRegistrationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = registration.employer_user_register(**serializer.validated_data)
        else:
            serializer = PersonRegistrationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = registration.person_user_register(**serializer.validated_data)
        return Response({"username": user.username, "kind": user.kind}, status=201)


class TokenView(APIView):
    """Username (national ID or employer code) and password → API token. Failures are throttled."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes counts failures on the Django request and answers 429 once locked out.
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            raise serializers.ValidationError({"password": [_("用户名或密码错误。")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class ContributionFeedView(APIView):
    """Tax receipts (缴费到账): shares come from the region policy; repeats are idempotent."""

    permission_classes = [IsFeedService]

    @extend_schema(
        request=ContributionFeedSerializer, responses={200: ContributionFeedResultSerializer}
    )
    def post(self, request):
        serializer = ContributionFeedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = contributions.contributions_feed_apply(
            rows=serializer.validated_data["contributions"]
        )
        return Response(asdict(result))


class EmployerFeedView(APIView):
    permission_classes = [IsFeedService]

    @extend_schema(request=EmployerFeedSerializer, responses={200: FeedCountsSerializer})
    def post(self, request):
        serializer = EmployerFeedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counts = registration.employers_feed_apply(rows=serializer.validated_data["employers"])
        return Response(counts, status=status.HTTP_200_OK)
