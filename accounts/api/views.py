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
from accounts.messaging import mask_phone
from accounts.models import Notification, Posting, User
from accounts.permissions import IsEmployerUser, IsFeedService, IsInsuredPerson
from accounts.services import api_tokens, contributions, identity, notifications, registration

from .serializers import (
    AccountSerializer,
    ContributionFeedResultSerializer,
    ContributionFeedSerializer,
    CreditSerializer,
    EmployerFeedSerializer,
    EmployerRegistrationConfirmSerializer,
    EmployerRegistrationSerializer,
    FeedCountsSerializer,
    MyContributionSerializer,
    MyPostingSerializer,
    NotificationSerializer,
    NotificationsReadSerializer,
    PersonRegistrationConfirmSerializer,
    PersonRegistrationSerializer,
    PhoneChangeConfirmSerializer,
    PhoneChangeResultSerializer,
    PhoneChangeSerializer,
    RegistrationAcceptedSerializer,
    RegistrationResultSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    YearQuerySerializer,
)


def _is_employer(request) -> bool:
    return isinstance(request.data, dict) and "employer_code" in request.data


class RegisterView(APIView):
    """实名注册, step 1: a person (national_id) or an employer (employer_code) already known to
    us. A one-time code goes to the phone on file; the answer is the same whether or not the ID
    and the name match (no match, no phone or already registered: no code). With no code, the
    person registers at a service counter (经办窗口). A `phone` field is ignored."""

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
        responses={202: RegistrationAcceptedSerializer},
    )
    def post(self, request):
        if _is_employer(request):
            serializer = EmployerRegistrationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            registration.employer_registration_request(**serializer.validated_data)
        else:
            serializer = PersonRegistrationSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            registration.person_registration_request(**serializer.validated_data)
        return Response({"status": "CODE_SENT"}, status=status.HTTP_202_ACCEPTED)


class RegisterConfirmView(APIView):
    """实名注册, step 2: the code from the phone on file creates the login; only then can the
    person or employer sign in. Wrong or expired codes get one 400 message; tries are limited."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="RegistrationConfirm",
            serializers=[
                PersonRegistrationConfirmSerializer,
                EmployerRegistrationConfirmSerializer,
            ],
            resource_type_field_name=None,
        ),
        responses={201: RegistrationResultSerializer},
    )
    def post(self, request):
        if _is_employer(request):
            serializer = EmployerRegistrationConfirmSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = registration.employer_registration_confirm(**serializer.validated_data)
        else:
            serializer = PersonRegistrationConfirmSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = registration.person_registration_confirm(**serializer.validated_data)
        return Response({"username": user.username, "kind": user.kind}, status=201)


class MyPhoneView(APIView):
    """变更手机号, step 1: a code goes to the phone on file (the old one)."""

    permission_classes = [IsInsuredPerson]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(request=PhoneChangeSerializer, responses={202: PhoneChangeResultSerializer})
    def post(self, request):
        serializer = PhoneChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = request.user.person
        identity.person_phone_change_request(
            person=person, new_phone=serializer.validated_data["phone"]
        )
        return Response(
            {"status": "CODE_SENT", "phone": mask_phone(person.phone)},
            status=status.HTTP_202_ACCEPTED,
        )


class MyPhoneConfirmView(APIView):
    """变更手机号, step 2: the code from the old phone sets the new one; the old phone gets a
    notice, and wallet transfers out wait 24 hours."""

    permission_classes = [IsInsuredPerson]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "registration"

    @extend_schema(
        request=PhoneChangeConfirmSerializer, responses={200: PhoneChangeResultSerializer}
    )
    def post(self, request):
        serializer = PhoneChangeConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        person = identity.person_phone_change_confirm(
            person=request.user.person, code=serializer.validated_data["code"]
        )
        return Response({"status": "CHANGED", "phone": mask_phone(person.phone)})


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
        token = api_tokens.api_token_sign_in(user=user)
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


def _owner(request):
    """The signed-in person or employer (the permission has checked there is one)."""
    user = request.user
    return user.person if user.kind == User.Kind.PERSON else user.employer


class MyNotificationsView(ListAPIView):
    """The caller's notices (a person's or an employer's), newest first, paginated;
    `?unread=1` for the unread only. One-time codes are never listed."""

    permission_classes = [IsInsuredPerson | IsEmployerUser]
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset scopes to the caller

    @extend_schema(parameters=[OpenApiParameter("unread", bool, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        unread_only = self.request.query_params.get("unread") in ("1", "true")
        return selectors.notifications_for(owner=_owner(self.request), unread_only=unread_only)


class MyNotificationReadView(APIView):
    """Mark one of the caller's notices read; another's is a 404."""

    permission_classes = [IsInsuredPerson | IsEmployerUser]

    @extend_schema(request=None, responses={200: NotificationsReadSerializer})
    def post(self, request, pk: int):
        try:
            was_unread = notifications.notification_mark_read(
                owner=_owner(request), notification_id=pk
            )
        except Notification.DoesNotExist:
            raise NotFound(_("没有这条消息。")) from None
        return Response({"status": "READ", "count": int(was_unread)})


class MyNotificationsReadAllView(APIView):
    """Mark every unread notice of the caller read."""

    permission_classes = [IsInsuredPerson | IsEmployerUser]

    @extend_schema(request=None, responses={200: NotificationsReadSerializer})
    def post(self, request):
        count = notifications.notifications_mark_all_read(owner=_owner(request))
        return Response({"status": "READ", "count": count})
