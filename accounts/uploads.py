"""Evidence uploads (证明材料): checked by content and size, stored privately, never served.

Files live under settings.MEDIA_ROOT, which no URL maps to; staff download them through an
admin view that checks their region. The stored name is random: the person's file name is
kept only as data.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
# What a file starts with → (content type, extension). Extensions alone prove nothing.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
_EXTENSIONS = {"pdf": {"pdf"}, "jpg": {"jpg", "jpeg"}, "png": {"png"}}


class PrivateStorage(FileSystemStorage):
    """MEDIA_ROOT (followed when settings change), with no public URL at all."""

    def url(self, name):
        raise ValueError("private files have no public URL")


private_storage = PrivateStorage()


@dataclass(frozen=True)
class CheckedUpload:
    file: object
    original_name: str
    content_type: str
    extension: str
    size: int

    def stored_name(self) -> str:
        return f"{uuid.uuid4().hex}.{self.extension}"


def evidence_check(upload) -> CheckedUpload:
    """A PDF, JPEG or PNG of at most 5 MB whose content matches its name; else ValidationError."""
    if upload is None:
        raise ValidationError(_("请上传证明材料。"), code="required")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("证明材料是空文件。"), code="empty")
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("证明材料不能超过 %(mb)d MB。") % {"mb": MAX_EVIDENCE_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    match = next((sig for sig in _SIGNATURES if head.startswith(sig[0])), None)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    given_ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if match is None or given_ext not in _EXTENSIONS[match[2]]:
        raise ValidationError(
            _("证明材料只接受 PDF、JPG 或 PNG 文件，且文件内容须与扩展名一致。"), code="type"
        )
    return CheckedUpload(upload, name, match[1], match[2], size)


def private_file_response(*, name: str, filename: str, content_type: str) -> FileResponse:
    """A stored private file as a download; the caller has checked who may see it."""
    try:
        handle = private_storage.open(name, "rb")
    except (FileNotFoundError, ValidationError) as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
