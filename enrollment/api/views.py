from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsFeedService, IsInsuredPerson
from enrollment import selectors, services

from .serializers import MeSerializer, PersonFeedResultSerializer, PersonFeedSerializer


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
