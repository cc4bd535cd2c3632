#!/usr/bin/env python3
"""Writes a fund ledger of N rows as an .xlsx workbook (inline strings, no libraries): income
and spending alternating through 2026, for the disclosure benchmark (bench/funds.sh).
   python3 bench/fund_sheet.py N out.xlsx"""
import sys, zipfile, datetime
from xml.sax.saxutils import escape

n, out = int(sys.argv[1]), sys.argv[2]
head = ["日期", "收支", "来源或用途", "金额（元）", "摘要", "对方", "对方为个人", "凭证号"]
start = datetime.date(2026, 1, 1)

def cell(col, row, v):
    return f'<c r="{col}{row}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'

def rows():
    yield head
    donors = ["王建国", "李秀英", "张志强", "刘桂兰"]
    for i in range(n):
        day = (start + datetime.timedelta(days=(i * 333) // n)).isoformat()
        if i % 2 == 0:
            src = ["社区公共收益", "双报到单位支持", "党员群众众筹"][i // 2 % 3]
            person = "是" if src == "党员群众众筹" else ""
            who = donors[i % 4] if person else "物业服务企业"
            yield [day, "收入", src, "50.00", f"收入第{i}笔", who, person, ""]
        else:
            yield [day, "支出", "其他为民服务", "30.00", f"便民服务支出第{i}笔", "社区便民超市", "", f"V{i}"]

cols = "ABCDEFGH"
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    body = "".join(f'<row r="{r}">' + "".join(cell(cols[j], r, v) for j, v in enumerate(vals)) + "</row>" for r, vals in enumerate(rows(), start=1))
    z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + body + "</sheetData></worksheet>")
