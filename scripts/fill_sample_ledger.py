#!/usr/bin/env python3
"""Fills the sample ledger as 天门市第一供水有限公司's clerk did on 2026-10-28 (samples/after-release/).

Usage: scripts/fill_sample_ledger.py RECEIVED.xlsx OUT.xlsx

RECEIVED is the ledger the enterprise got with the 2026Q3 release in scripts/run-samples.sh
(demo/outbox/企业_GS01_天门市第一供水有限公司/2026Q3/…整改台账.xlsx). Needs openpyxl. The result is
committed as it is: openpyxl's bytes are not reproducible, the cells are.
"""
import datetime
import sys

import openpyxl

D = datetime.datetime
# 编号 → {heading: value}
CASES = {
    # Called back in time and put right; the user is content.
    "2026Q3-GS01-001": {"回访日期": D(2026, 10, 23), "回访结果": "已联系", "核实情况": "属实",
                        "整改措施": "上门检修表前阀门并解释计费", "完成日期": D(2026, 10, 27),
                        "用户对处理结果的评价": "满意", "申诉": "否"},
    # Called back in time, being put right.
    "2026Q3-GS01-002": {"回访日期": D(2026, 10, 26), "回访结果": "已联系", "核实情况": "部分属实",
                        "整改措施": "已安排营业厅增设取号机"},
    # Called back, and appealed: the enterprise thinks the review mistaken.
    "2026Q3-GS01-003": {"回访日期": D(2026, 10, 24), "回访结果": "已联系", "核实情况": "不属实",
                        "申诉": "是", "申诉理由": "用户反映的停水为市政管网施工停水，已提前三天公告，非本公司责任"},
    # An August case called back late (its deadline was 2026-09-20), then put right in time.
    "2026-08-GS01-001": {"回访日期": D(2026, 9, 25), "回访结果": "已联系", "核实情况": "属实",
                         "整改措施": "更换老化水表", "完成日期": D(2026, 10, 9),
                         "用户对处理结果的评价": "基本满意", "申诉": "否"},
}
ITEM = {"整改措施": "开展窗口服务规范培训，公示收费标准", "责任部门": "客户服务中心", "进展": "整改中"}


def fill(ws, rows):
    head = next(r for r in ws.iter_rows() if any(c.value == "编号" for c in r))
    cols = {c.value: c.column for c in head}
    done = 0
    for r in ws.iter_rows(min_row=head[0].row + 1):
        values = rows(r[0].value)
        for heading, value in values.items():
            ws.cell(row=r[0].row, column=cols[heading], value=value)
        done += bool(values)
    return done


wb = openpyxl.load_workbook(sys.argv[1])
cases = fill(wb["差评回访"], lambda n: CASES.get(n, {}))
items = fill(wb["整改事项"], lambda n: ITEM if n and n.startswith("2026Q3-GS01") else {})
assert cases == len(CASES), f"{cases} of {len(CASES)} cases found: is RECEIVED the 2026Q3 ledger of GS01?"
wb.save(sys.argv[2])
print(f"{cases} cases and {items} items filled")
