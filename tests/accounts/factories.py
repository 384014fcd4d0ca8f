"""Notices as `notification_send` records them."""

import factory

from accounts.models import Notification
from tests.factories import InsuredPersonFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    person = factory.SubFactory(InsuredPersonFactory)
    kind = Notification.Kind.ACCOUNT
    text = factory.Sequence(lambda n: f"【医保服务门户】第 {n} 条通知")
    phone = "13800000000"
