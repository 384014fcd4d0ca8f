"""急需就医: staff restore a suspended enrollment at once, with a reason and evidence that is
checked and kept private; the restore is audited and shown on the person's page."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.uploads import MAX_EVIDENCE_BYTES, private_storage
from enrollment.models import DuplicateCase, EmergencyRestore, EnrollmentStatus
from enrollment.services import emergency
from tests.enrollment.factories import statuses
from tests.factories import InsuredPersonFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PERMISSIONS = [
    "enrollment.view_enrollment",
    "enrollment.change_enrollment",
    "enrollment.add_emergencyrestore",
    "enrollment.view_emergencyrestore",
]


@pytest.fixture
def suspended(enroll, resolve):
    """曹磊's Xi'an resident insurance was suspended by rule 1 (he is employed in Taiyuan)."""
    person = InsuredPersonFactory(name="曹磊", with_user=True)
    enroll(person, "EMPLOYEE", "140100")
    resident = enroll(person, "RESIDENT", "610100")
    resolve()
    resident.refresh_from_db()
    assert resident.status == EnrollmentStatus.SUSPENDED
    return resident


@pytest.fixture
def xian_staff(client):
    staff = StaffUserFactory(regions=["610100"], permissions=PERMISSIONS)
    client.force_login(staff)
    return staff


def restore_url(enrollment) -> str:
    return reverse("admin:enrollment_enrollment_emergency_restore", args=[enrollment.pk])


def test_staff_restore_a_suspended_enrollment_at_once_with_reason_and_evidence(
    client, xian_staff, suspended, private_media, resolve
):
    """The record is ACTIVE again; reason, file and who did it are kept; audited."""
    # given: the form shows what is restored and why it was suspended
    form = client.get(restore_url(suspended)).content.decode()
    assert "居民医保暂停" in form and 'enctype="multipart/form-data"' in form
    # when
    response = client.post(
        restore_url(suspended),
        {
            "reason": "住院治疗，医院出具入院通知书",
            "evidence": SimpleUploadedFile("入院通知书.pdf", PDF, "application/pdf"),
        },
    )
    # then
    assert response.status_code == 302
    suspended.refresh_from_db()
    assert suspended.status == EnrollmentStatus.ACTIVE
    assert suspended.resolution_exempt
    restore = EmergencyRestore.objects.get()
    assert (restore.reason, restore.restored_by, restore.region_id) == (
        "住院治疗，医院出具入院通知书",
        xian_staff,
        "610100",
    )
    assert (restore.evidence_name, restore.evidence_type, restore.evidence_size) == (
        "入院通知书.pdf",
        "application/pdf",
        len(PDF),
    )
    assert restore.status_before == EnrollmentStatus.SUSPENDED
    # stored privately under MEDIA_ROOT, under a random name, with no URL
    stored = Path(private_storage.path(restore.evidence.name))
    assert stored.read_bytes() == PDF
    assert Path(private_media) in stored.parents
    assert "入院通知书" not in stored.name
    with pytest.raises(ValueError):
        restore.evidence.url  # noqa: B018
    assert client.get(f"/media/{restore.evidence.name}").status_code == 404
    # audited: who changed the enrollment, from what to what, and why
    event = AuditEvent.objects.get(object_type="enrollment.enrollment", object_id=suspended.pk)
    assert (event.actor, event.action, event.reason) == (
        xian_staff,
        "enrollment.emergency_restore",
        "住院治疗，医院出具入院通知书",
    )
    assert event.before == {
        "status": "SUSPENDED",
        "status_reason": "重复参保：已参加职工医保，居民医保暂停",
        "resolution_exempt": False,
    }
    assert event.after == {
        "status": "ACTIVE",
        "status_reason": emergency.RESTORED_REASON,
        "resolution_exempt": True,
    }
    # the nightly run does not suspend it again
    resolve()
    assert statuses(suspended) == [EnrollmentStatus.ACTIVE]


def test_the_evidence_is_downloadable_only_by_staff_of_the_region(client, xian_staff, suspended):
    restore = emergency.enrollment_emergency_restore(
        enrollment=suspended,
        reason="急诊",
        evidence=SimpleUploadedFile("scan.png", PNG, "image/png"),
        by=xian_staff,
    )
    url = reverse("admin:enrollment_emergencyrestore_evidence", args=[restore.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    other = StaffUserFactory(regions=["140100"], permissions=PERMISSIONS)
    client.force_login(other)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("入院通知书.pdf", b"MZ\x90\x00 not a pdf at all", "只接受 PDF、JPG 或 PNG"),
        ("scan.pdf", PNG, "只接受 PDF、JPG 或 PNG"),  # content and name disagree
        ("note.txt", b"hello", "只接受 PDF、JPG 或 PNG"),
        ("big.pdf", b"%PDF-" + b"0" * MAX_EVIDENCE_BYTES, "不能超过 5 MB"),
    ],
)
def test_evidence_of_the_wrong_type_or_size_is_refused(
    client, xian_staff, suspended, private_media, name, content, message
):
    response = client.post(
        restore_url(suspended),
        {"reason": "住院", "evidence": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert statuses(suspended) == [EnrollmentStatus.SUSPENDED]
    assert not EmergencyRestore.objects.exists()
    assert not any(Path(private_media).rglob("*.*"))


def test_a_reason_is_required(xian_staff, suspended):
    with pytest.raises(emergency.BusinessRuleViolation) as refused:
        emergency.enrollment_emergency_restore(
            enrollment=suspended,
            reason="  ",
            evidence=SimpleUploadedFile("a.pdf", PDF),
            by=xian_staff,
        )
    assert refused.value.field == "reason"


def test_only_a_suspended_enrollment_can_be_restored(xian_staff, enroll, private_media):
    active = enroll(InsuredPersonFactory(), "RESIDENT", "610100")
    with pytest.raises(emergency.BusinessRuleViolation, match="暂停"):
        emergency.enrollment_emergency_restore(
            enrollment=active,
            reason="急诊",
            evidence=SimpleUploadedFile("a.pdf", PDF),
            by=xian_staff,
        )
    assert not any(Path(private_media).rglob("*.*"))


def test_staff_of_another_region_cannot_restore(client, suspended):
    other = StaffUserFactory(regions=["140100"], permissions=PERMISSIONS)
    client.force_login(other)
    assert client.get(restore_url(suspended)).status_code == 404
    with pytest.raises(emergency.BusinessRuleViolation) as refused:
        emergency.enrollment_emergency_restore(
            enrollment=suspended,
            reason="急诊",
            evidence=SimpleUploadedFile("a.pdf", PDF),
            by=other,
        )
    assert refused.value.status_code == 403
    assert statuses(suspended) == [EnrollmentStatus.SUSPENDED]


def test_the_restore_is_shown_on_the_persons_page(client, xian_staff, suspended):
    """The person reads that and why it was restored, and what to do next."""
    emergency.enrollment_emergency_restore(
        enrollment=suspended,
        reason="住院治疗",
        evidence=SimpleUploadedFile("a.pdf", PDF),
        by=xian_staff,
    )
    client.force_login(suspended.person.user)
    body = client.get("/").content.decode()
    assert "西安市城乡居民医保已紧急恢复" in body
    assert "因急需就医紧急恢复：住院治疗" in body
    assert "请联系您所在的社区（村）核实处理。" in body


def test_the_case_stays_and_a_revert_later_is_still_possible(xian_staff, suspended):
    """Restoring the record does not settle the case; reverting it later needs nothing more."""
    from enrollment.services import cases

    emergency.enrollment_emergency_restore(
        enrollment=suspended,
        reason="急诊",
        evidence=SimpleUploadedFile("a.pdf", PDF),
        by=xian_staff,
    )
    case = DuplicateCase.objects.get(person=suspended.person)
    assert case.status == DuplicateCase.Status.DECIDED
    cases.duplicate_case_revert(case=case, by=xian_staff)
    assert statuses(suspended) == [EnrollmentStatus.ACTIVE]
