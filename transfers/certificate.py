"""《参保凭证》 as a PDF, rendered from what was fixed at 转出 approval (the same file each time).

reportlab's built-in CID font STSong-Light renders Chinese with no font file.
"""

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from enrollment.models import Scheme

from .models import TransferApplication

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def certificate_lines(application: TransferApplication) -> list[str]:
    """The certificate's text, line by line (the PDF and its tests read the same lines)."""
    data = application.certificate_data
    person = application.person
    lines = [
        f"姓名：{person.name}",
        f"公民身份号码：{person.masked_national_id}",
        f"险种：{Scheme(application.scheme).label}",
        f"原参保地（转出地）：{application.from_region.code} {application.from_region.name}",
        f"转入地：{application.to_region.code} {application.to_region.name}",
        f"实际缴费月数合计：{data.get('months_total', 0)} 个月",
    ]
    lines += [
        f"    {year} 年：缴费 {months} 个月"
        for year, months in sorted(data.get("months_by_year", {}).items())
    ]
    lines += [
        f"个人账户余额：{data.get('balance', '0.00')} 元"
        f"（当年账户 {data.get('current_year', '0.00')} 元，"
        f"历年账户 {data.get('carried_over', '0.00')} 元）",
        f"开具机构：{application.from_region.name}医疗保障经办机构",
        f"开具日期：{application.certificate_issued_on:%Y年%m月%d日}",
        f"校验码：{application.certificate_number}",
    ]
    return lines


def certificate_pdf(application: TransferApplication) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle("基本医疗保险参保凭证")
    width, height = A4
    pdf.setFont(FONT, 18)
    pdf.drawCentredString(width / 2, height - 30 * mm, "基本医疗保险参保凭证")
    pdf.setFont(FONT, 11)
    y = height - 48 * mm
    for line in certificate_lines(application):
        pdf.drawString(25 * mm, y, line)
        y -= 8 * mm
        if y < 25 * mm:
            pdf.showPage()
            pdf.setFont(FONT, 11)
            y = height - 25 * mm
    pdf.setFont(FONT, 9)
    pdf.drawString(
        25 * mm, 18 * mm, "本凭证用于办理基本医疗保险关系转移接续，可凭校验码向开具机构核验。"
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
