# The outbox becomes the one model for messages to a person or an employer: portal notices
# (kind, link, read) and one-time codes. Existing rows were all stored by the default sender.
from django.db import migrations, models

NOTICE_REFERENCES = ("phone-changed", "registered")


def classify_existing(apps, schema_editor):
    Notification = apps.get_model("accounts", "Notification")
    Notification.objects.update(in_outbox=True)
    Notification.objects.filter(reference__in=NOTICE_REFERENCES).update(kind="ACCOUNT")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0019_person_died_at_credit_run_started_by"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="outboxmessage", name="outbox_one_recipient"),
        migrations.RenameModel(old_name="OutboxMessage", new_name="Notification"),
        migrations.AlterModelOptions(
            name="notification",
            options={
                "ordering": ["-created_at", "-pk"],
                "verbose_name": "消息通知",
                "verbose_name_plural": "消息通知",
            },
        ),
        migrations.RenameField(model_name="notification", old_name="body", new_name="text"),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("CODE", "验证码"),
                    ("ACCOUNT", "账户安全"),
                    ("ENROLLMENT", "参保登记"),
                    ("WALLET", "医保钱包"),
                    ("TRANSFER", "转移接续"),
                    ("REFUND", "退费"),
                ],
                default="CODE",
                max_length=20,
                verbose_name="类别",
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(blank=True, max_length=200, verbose_name="门户链接"),
        ),
        migrations.AddField(
            model_name="notification",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="已读时间"),
        ),
        migrations.AddField(
            model_name="notification",
            name="in_outbox",
            field=models.BooleanField(default=False, verbose_name="在发件箱"),
        ),
        migrations.RunPython(classify_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(("employer__isnull", True), ("person__isnull", False))
                | models.Q(("employer__isnull", False), ("person__isnull", True)),
                name="notification_one_recipient",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["person", "-created_at"], name="notification_person_idx"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                fields=["employer", "-created_at"], name="notification_employer_idx"
            ),
        ),
    ]
