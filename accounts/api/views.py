from dataclasses import asdict

from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import selectors
from accounts.authentication import ExpiringTokenAuthentication
from accounts.models import Posting
from accounts.permissions import IsFeedService, IsInsuredPerson
from accounts.services import api_tokens, contributions, registration

from .serializers import (
    AccountSerializer,
    ContributionFeedResultSerializer,
    ContributionFeedSerializer,
    CreditSerializer,
    EmployerFeedSerializer,
    EmployerRegistrationSerializer,
    FeedCountsSerializer,
    MyContributionSerializer,
    MyPostingSerializer,
    PersonRegistrationSerializer,
    RegistrationResultSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    YearQuerySerializer,
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
    """Username (national ID or employer code) and password → API token. Failures are throttled.
    DELETE, authenticated by the token itself, revokes it."""

    permission_classes = [AllowAny]
    authentication_classes = [ExpiringTokenAuthentication]

    def perform_authentication(self, request):
        # Only revoking needs the caller's token; signing in must work with an expired one.
        if request.method == "DELETE":
            super().perform_authentication(request)

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # django-axes counts failures on the Django request and answers 429 once locked out.
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            raise serializers.ValidationError({"password": [_("用户名或密码错误。")]})
        token = api_tokens.api_token_issue(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        api_tokens.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


def _year(request) -> int:
    query = YearQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data.get("year") or timezone.localdate().year


YEAR_PARAMETER = OpenApiParameter("year", int, description="YYYY; default this year")


class MyAccountView(APIView):
    """个人账户: total, current-year, carried-over and available balance, and status."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(responses={200: AccountSerializer})
    def get(self, request):
        summary = selectors.account_summary(person=request.user.person)
        if summary is None:
            raise NotFound(_("您没有职工医保个人账户（城乡居民医保不设个人账户）。"))
        return Response(AccountSerializer(summary).data)


class MyCreditsView(APIView):
    """每月划入 of one year."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(parameters=[YEAR_PARAMETER], responses={200: CreditSerializer(many=True)})
    def get(self, request):
        credits = selectors.credits_for_person(person=request.user.person, year=_year(request))
        return Response(CreditSerializer(credits, many=True).data)


class MyContributionsView(APIView):
    """缴费记录 of one year, employer and individual shares apart."""

    permission_classes = [IsInsuredPerson]

    @extend_schema(
        parameters=[YEAR_PARAMETER], responses={200: MyContributionSerializer(many=True)}
    )
    def get(self, request):
        rows = selectors.contributions_for_person(person=request.user.person, year=_year(request))
        return Response(MyContributionSerializer(rows, many=True).data)


class MyPostingsView(ListAPIView):
    """Every posting in or out of the person's accounts, newest first, paginated."""

    permission_classes = [IsInsuredPerson]
    serializer_class = MyPostingSerializer
    queryset = Posting.objects.none()  # for the schema; get_queryset scopes to the caller

    def _own_account_ids(self) -> set[int]:
        """The caller's ledger accounts, read once per request."""
        if not hasattr(self, "_account_ids"):
            self._account_ids = set(
                selectors.person_ledger_account_ids(person=self.request.user.person)
            )
        return self._account_ids

    def get_queryset(self):
        return selectors.postings_for_accounts(account_ids=self._own_account_ids())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["own_account_ids"] = self._own_account_ids()
        return context
