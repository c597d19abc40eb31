"""Benchmark: sub-event type classification on CASE 2021 task 2 (fine-grained event classification).

Evaluation only: the classifier learned nothing from this file (see docs/CLASSIFIER.md). Each snippet
is classified by `classify.SubEventClassifier`; CASE's labels are mapped to ACLED sub-event types.

The score is the support-weighted F1 over the 25 ACLED classes: per-class precision counts every
prediction of that class (also on snippets whose gold label is one of CASE's non-ACLED types), recall
counts the class's gold snippets (a non-ACLED prediction on one is a miss); the average is weighted by
gold support and covers the 25 ACLED classes only (as scikit-learn's
`f1_score(y, p, labels=ACLED_25, average="weighted")`). Snippets with a non-ACLED gold label are
reported on their own line.
"""
from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .classify import NON_ACLED
from .models import SUB_EVENT_TYPES

CASE_TO_ACLED: dict[str, str] = {
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "AGREEMENT": "Agreement",
    "AIR_STRIKE": "Air/drone strike",
    "ARMED_CLASH": "Armed clash",
    "ARREST": "Arrests",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "ATTACK": "Attack",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "CHEM_WEAP": "Chemical weapon",
    "DISR_WEAP": "Disrupted weapons use",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "GOV_REGAINS_TERIT": "Government regains territory",
    "GRENADE": "Grenade",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "MOB_VIOL": "Mob violence",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "OTHER": "Other",
    "PEACE_PROTEST": "Peaceful protest",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "SEX_VIOL": "Sexual violence",
    "SUIC_BOMB": "Suicide bomb",
    "VIOL_DEMONSTR": "Violent demonstration",
}
ACLED_25: tuple[str, ...] = tuple(SUB_EVENT_TYPES)
assert set(CASE_TO_ACLED.values()) == set(ACLED_25)


def map_label(label: str) -> str:
    """A CASE label -> an ACLED sub-event type; CASE's non-ACLED labels (ORG_CRIME, DIPLO ...) stay as they are."""
    label = label.strip()
    return CASE_TO_ACLED.get(label.upper(), label)


def read_tsv(path: Path) -> list[tuple[str, str, str]]:
    """(id, snippet, gold) rows; the header row names the columns (id, EventSnippet, SubType)."""
    csv.field_size_limit(sys.maxsize)
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header is None:
            return rows
        cols = {h.strip().lower(): i for i, h in enumerate(header)}
        i_id, i_text, i_gold = cols.get("id", 0), cols.get("eventsnippet", 1), cols.get("subtype", 2)
        for rec in reader:
            if len(rec) <= max(i_id, i_text, i_gold):
                continue
            rows.append((rec[i_id], rec[i_text], rec[i_gold]))
    return rows


def score(gold: list[str], pred: list[str], labels: tuple[str, ...] = ACLED_25) -> dict:
    """Per-class precision/recall/F1/support over `labels`, and their support-weighted F1."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        if g == p:
            tp[g] += 1
        else:
            fp[p] += 1
            fn[g] += 1
    per_class = {}
    for lab in labels:
        support = tp[lab] + fn[lab]
        prec = tp[lab] / (tp[lab] + fp[lab]) if tp[lab] + fp[lab] else 0.0
        rec = tp[lab] / support if support else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_class[lab] = {"precision": prec, "recall": rec, "f1": f1, "support": support,
                          "predicted": tp[lab] + fp[lab]}
    total = sum(c["support"] for c in per_class.values())
    weighted = sum(c["f1"] * c["support"] for c in per_class.values()) / total if total else 0.0
    macro_labels = [c for c in per_class.values() if c["support"]]
    macro = sum(c["f1"] for c in macro_labels) / len(macro_labels) if macro_labels else 0.0
    in_acled = [(g, p) for g, p in zip(gold, pred) if g in labels]
    accuracy = sum(g == p for g, p in in_acled) / len(in_acled) if in_acled else 0.0
    return {"per_class": per_class, "weighted_f1": weighted, "macro_f1": macro, "accuracy": accuracy, "support": total}


def run_case2021(tsv: Path | str, pack="syria", console: Console | None = None, classifier=None) -> dict:
    from .classify import SubEventClassifier  # noqa: PLC0415 - loads the model

    rows = read_tsv(Path(tsv))
    clf = classifier or SubEventClassifier(pack)
    err = Console(stderr=True)
    preds: list[tuple[str, float]] = []
    batch = 32
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task("case2021", total=len(rows))
        for i in range(0, len(rows), batch):
            chunk = rows[i: i + batch]
            preds.extend(clf.predict_many([text for _, text, _ in chunk]))
            progress.advance(task, len(chunk))

    gold = [map_label(g) for _, _, g in rows]
    pred = [p for p, _ in preds]
    result = score(gold, pred)
    non_acled_gold = [(g, p) for g, p in zip(gold, pred) if g not in SUB_EVENT_TYPES]
    non_acled = {
        "snippets": len(non_acled_gold),
        "predicted_non_acled": sum(p in NON_ACLED for _, p in non_acled_gold),
        "exact": sum(g == p for g, p in non_acled_gold),
        "by_gold": {g: n for g, n in sorted(Counter(g for g, _ in non_acled_gold).items())},
    }
    confusion = Counter((g, p) for g, p in zip(gold, pred) if g in SUB_EVENT_TYPES and g != p)
    report = {
        "tsv": str(tsv),
        "snippets": len(rows),
        "backend": clf.backend,
        "acled_snippets": result["support"],
        "weighted_f1": result["weighted_f1"],
        "macro_f1": result["macro_f1"],
        "accuracy": result["accuracy"],
        "per_class": result["per_class"],
        "non_acled": non_acled,
        "top_confusions": [{"gold": g, "predicted": p, "n": n} for (g, p), n in confusion.most_common(15)],
    }
    if console is not None:
        _print(report, console)
    return report


def _print(report: dict, console: Console) -> None:
    table = Table(title=f"CASE 2021 task 2: {report['snippets']} snippets, {report['acled_snippets']} with an ACLED label "
                        f"(classifier: {report['backend']})")
    for col in ("sub-event type", "precision", "recall", "F1", "support", "predicted"):
        table.add_column(col, justify="left" if col == "sub-event type" else "right")
    for lab, c in sorted(report["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        table.add_row(lab, f"{c['precision']:.2f}", f"{c['recall']:.2f}", f"{c['f1']:.2f}", str(c["support"]), str(c["predicted"]))
    console.print(table)
    if report["top_confusions"]:
        conf = Table(title="most frequent confusions (gold -> predicted)")
        conf.add_column("gold")
        conf.add_column("predicted")
        conf.add_column("n", justify="right")
        for row in report["top_confusions"][:10]:
            conf.add_row(row["gold"], row["predicted"], str(row["n"]))
        console.print(conf)
    na = report["non_acled"]
    if na["snippets"]:
        console.print(f"non-ACLED gold snippets (excluded from the average): {na['snippets']}; "
                      f"predicted as non-ACLED {na['predicted_non_acled']}, exact label {na['exact']}")
    console.print(f"accuracy (ACLED snippets) = {report['accuracy']:.2f}; macro F1 (ACLED 25) = {report['macro_f1']:.2f}")
    console.print(f"weighted F1 (ACLED 25) = {report['weighted_f1']:.2f}", highlight=False)
