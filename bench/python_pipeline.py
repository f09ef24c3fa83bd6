"""A plain Python pipeline doing utility-eval's monthly job, for the benchmark (not a test):
read every return of an inbox with python-calamine, validate the rows (registered enterprise,
user type, date in the period, answers), store them in SQLite, score per enterprise and for the
city as SPEC §3 says (pandas), and write scores.json, a summary workbook and the detail workbook
(XlsxWriter, the detail in constant-memory mode) and a PDF report for the city and for each
enterprise (reportlab, the CJK font embedded), then move the files to the archive.

It is what a competent analyst would write with the usual packages (pandas, python-calamine,
sqlite3, XlsxWriter, reportlab): the yardstick of bench/run.sh's Python comparison.

Usage: python bench/python_pipeline.py WORKDIR   (WORKDIR holds utility-eval.toml and inbox/)
"""

import datetime
import json
import os
import shutil
import sqlite3
import sys
import tomllib

import pandas as pd
import python_calamine
import xlsxwriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

HERE = os.path.dirname(os.path.abspath(__file__))
FONT = os.path.join(HERE, "..", "fonts", "NotoSansSC-Report-Regular.ttf")
ITEMS = [f"Q{i}" for i in range(1, 13)] + [f"D{i}" for i in range(1, 5)]
FIVE = {"非常满意": 100.0, "满意": 80.0, "一般": 60.0, "不满意": 40.0, "非常不满意": 0.0}
NEGATIVE = {"Q8", "Q10", "Q11"}
DIMENSION = {
    "Q1": "服务质量", "Q2": "服务质量", "Q3": "企业形象", "Q4": "服务质量", "Q5": "服务质量",
    "Q6": "服务质量", "Q7": "客户意见与投诉处理", "Q8": "服务质量", "Q9": "服务质量",
    "Q10": "企业形象", "Q11": "企业形象", "Q12": "服务质量", "D1": "企业形象", "D2": "产品质量",
    "D3": "服务质量", "D4": "客户意见与投诉处理",
}
USER_TYPES = {"企事业单位", "工商业用户", "工矿企业", "居民用户", "其他"}


def read_return(path):
    """The header, the rows after it and the metadata above it of the first data sheet."""
    wb = python_calamine.CalamineWorkbook.from_path(path)
    rows = wb.get_sheet_by_index(0).to_python()
    meta = {}
    for k, row in enumerate(rows[:30]):
        if "用户名称" in row:
            return meta, row, rows[k + 1:]
        if row and row[0] in ("填报单位", "报表类型", "所属期") and len(row) > 1:
            meta[row[0]] = row[1]
    return meta, None, []


def score(answer, item):
    if item.startswith("D") or item == "Q12":
        return FIVE.get(answer)
    if answer in ("是", "否"):
        favourable = "否" if item in NEGATIVE else "是"
        return 100.0 if answer == favourable else 0.0
    return None


def main(work):
    with open(os.path.join(work, "utility-eval.toml"), "rb") as f:
        config = tomllib.load(f)
    enterprises = {e["name"]: e for e in config["enterprise"]}
    for e in config["enterprise"]:
        for a in e.get("aliases", []):
            enterprises[a] = e
    period = "2026-10"
    first, last = datetime.date(2026, 10, 1), datetime.date(2026, 10, 31)
    out = os.path.join(work, "py-reports", period)
    os.makedirs(out, exist_ok=True)
    db = sqlite3.connect(os.path.join(work, "py.sqlite"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS response (file TEXT, row INTEGER, unit TEXT, date TEXT, user TEXT,"
        " user_type TEXT, phone TEXT, enterprise TEXT, county TEXT, answers TEXT, opinion TEXT)"
    )
    inbox = os.path.join(work, "inbox")
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(inbox) for f in fs)
    records, problems = [], []
    for path in files:
        meta, header, rows = read_return(path)
        if header is None:
            problems.append((path, 0, "no header"))
            continue
        col = {name: k for k, name in enumerate(header)}
        stored = []
        for n, row in enumerate(rows, start=2):
            if not any(row):
                continue
            e = enterprises.get(row[col["服务企业"]])
            date = row[col["调查日期"]]
            if isinstance(date, str):
                try:
                    date = datetime.date.fromisoformat(date)
                except ValueError:
                    date = None
            if e is None or row[col["用户类型"]] not in USER_TYPES or not date or not first <= date <= last:
                problems.append((path, n, "row"))
                continue
            answers = {i: row[col[i]] for i in ITEMS if row[col[i]] != ""}
            stored.append(
                (
                    os.path.relpath(path, inbox), n, meta.get("填报单位", ""), date.isoformat(),
                    row[col["用户名称"]], row[col["用户类型"]], str(row[col["联系电话"]]), e["code"],
                    row[col["所属县市"]], json.dumps(answers, ensure_ascii=False), row[col["意见或投诉"]],
                )
            )
        db.executemany("INSERT INTO response VALUES (?,?,?,?,?,?,?,?,?,?,?)", stored)
        db.commit()
        records.extend(stored)

    frame = pd.DataFrame(
        records,
        columns=["file", "row", "unit", "date", "user", "user_type", "phone", "enterprise", "county", "answers", "opinion"],
    )
    answers = pd.DataFrame([json.loads(a) for a in frame["answers"]])
    scores = pd.DataFrame({i: [score(a, i) for a in answers.get(i, [])] for i in ITEMS})
    scores["enterprise"] = frame["enterprise"]

    def group(df):
        items = df[ITEMS].mean()
        dims = {}
        for d in sorted(set(DIMENSION.values())):
            dims[d] = items[[i for i in ITEMS if DIMENSION[i] == d]].mean()
        return {
            "n": int(len(df)),
            "composite": sum(dims.values()) / len(dims),
            "overall": items["Q12"],
            "dimensions": dims,
            "items": {i: {"score": items[i], "n": int(df[i].count())} for i in ITEMS},
        }

    groups = [{"level": "city", "key": "全市", **group(scores)}]
    for code, df in scores.groupby("enterprise"):
        groups.append({"level": "enterprise", "key": code, **group(df)})
    with open(os.path.join(out, "scores.json"), "w", encoding="utf-8") as f:
        json.dump({"period": period, "kind": "monthly", "groups": groups}, f, ensure_ascii=False, indent=1)

    summary = xlsxwriter.Workbook(os.path.join(out, "汇总表.xlsx"))
    ws = summary.add_worksheet("企业得分")
    ws.write_row(0, 0, ["企业", "问卷数", "综合得分", "总体满意度"] + ITEMS)
    for r, g in enumerate(groups, start=1):
        ws.write_row(r, 0, [g["key"], g["n"], g["composite"], g["overall"]] + [g["items"][i]["score"] for i in ITEMS])
    summary.close()

    detail = xlsxwriter.Workbook(os.path.join(out, "明细表.xlsx"), {"constant_memory": True})
    ws = detail.add_worksheet("明细")
    head = ["来源文件", "行号", "填报单位", "调查日期", "用户名称", "用户类型", "联系电话", "服务企业", "所属县市"]
    ws.write_row(0, 0, head + [f"{i}回答" for i in ITEMS] + [f"{i}得分" for i in ITEMS] + ["意见或投诉"])
    for r, (rec, (_, a), (_, s)) in enumerate(zip(records, answers.iterrows(), scores.iterrows()), start=1):
        ws.write_row(r, 0, list(rec[:9]) + [a.get(i, "") if isinstance(a.get(i), str) else "" for i in ITEMS])
        ws.write_row(r, 9 + len(ITEMS), [s[i] if pd.notna(s[i]) else "" for i in ITEMS] + [rec[10]])
    detail.close()

    pdfmetrics.registerFont(TTFont("Noto", FONT))
    names = {e["code"]: e["name"] for e in config["enterprise"]}
    os.makedirs(os.path.join(out, "企业报告"), exist_ok=True)
    for g in groups:
        name = "全市分析报告" if g["level"] == "city" else os.path.join("企业报告", names[g["key"]])
        c = canvas.Canvas(os.path.join(out, f"{name}.pdf"), pagesize=A4)
        c.setFont("Noto", 16)
        c.drawString(60, 780, f"{period} {names.get(g['key'], '全市')} 服务满意度分析报告")
        c.setFont("Noto", 10)
        c.drawString(60, 750, f"有效问卷 {g['n']} 份,综合得分 {g['composite']:.2f},总体满意度 {g['overall']:.2f}")
        y = 720
        for i in ITEMS:
            c.drawString(60, y, f"{i} 得分 {g['items'][i]['score']:.2f}(n={g['items'][i]['n']})")
            y -= 16
        if g["level"] == "city":
            c.showPage()
            c.setFont("Noto", 10)
            y = 780
            for e in groups[1:]:
                c.drawString(60, y, f"{names[e['key']]} {e['composite']:.2f}")
                y -= 14
                if y < 60:
                    c.showPage()
                    c.setFont("Noto", 10)
                    y = 780
        c.save()

    archive = os.path.join(work, "py-archive")
    for path in files:
        dest = os.path.join(archive, os.path.relpath(path, inbox))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.move(path, dest)
    print(f"{len(files)} files, {len(records)} rows stored, {len(problems)} problems")


if __name__ == "__main__":
    main(sys.argv[1])
