"""One PNG with every result: accuracy side by side, and speed against knowledge size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

NAMES = {
    "engine": "engine",
    "wratio": "WRatio",
    "bm25": "BM25",
    "minilm": "MiniLM",
    "engine (as shipped)": "engine\n(shipped)",
    "engine ranking, dev threshold": "engine\n(dev thr.)",
    "rapidfuzz WRatio": "WRatio",
    "BM25 (bm25s)": "BM25",
    "MiniLM-L6-v2": "MiniLM",
}
COLOURS = {"engine": "#1b6ca8", "WRatio": "#b0b0b0", "BM25": "#e39b2d", "MiniLM": "#5a9e5a"}


def _colour(label: str) -> str:
    return COLOURS.get(label.split("\n")[0], "#1b6ca8")


def plot(results: dict[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(16, 9.5))
    fig.suptitle("Answer engine vs peers: accuracy and speed (see BENCHMARKS.md)", fontsize=14)

    # (a) our knowledge base: top-1 and no-answer accuracy, dev and test
    ax = axes[0][0]
    ours = results.get("ourkb", {}).get("methods", {})
    labels = [NAMES.get(m, m) for m in ours]
    width = 0.2
    for offset, (split, metric, hatch) in enumerate(
        (
            ("dev", "top1", ""),
            ("test", "top1", "//"),
            ("dev", "no_answer", ".."),
            ("test", "no_answer", "xx"),
        )
    ):
        values = [100 * (ours[m].get(split, {}).get(metric) or 0) for m in ours]
        xs = [i + (offset - 1.5) * width for i in range(len(ours))]
        ax.bar(
            xs,
            values,
            width,
            label=f"{split} {metric.replace('_', '-')}",
            hatch=hatch,
            color=[_colour(lbl) for lbl in labels],
            edgecolor="black",
            linewidth=0.4,
        )
    ax.set_xticks(range(len(ours)), labels, fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_ylabel("%")
    ax.set_title("Our knowledge base: top-1 and no-answer accuracy")
    ax.legend(fontsize=7, loc="lower right")

    # (b) StackFAQ: P@1 and pair-level MAP, cold and curated
    ax = axes[0][1]
    stack = results.get("stackfaq", {})
    methods = list(stack.get("cold", {}).get("methods", {}))
    for offset, (setting, metric, hatch) in enumerate(
        (
            ("cold", "p1", ""),
            ("curated", "p1", "//"),
            ("cold", "map_pairs", ".."),
            ("curated", "map_pairs", "xx"),
        )
    ):
        values = [
            100 * stack.get(setting, {}).get("methods", {}).get(m, {}).get(metric, 0)
            for m in methods
        ]
        xs = [i + (offset - 1.5) * width for i in range(len(methods))]
        ax.bar(
            xs,
            values,
            width,
            label=f"{setting} {'P@1' if metric == 'p1' else 'MAP'}",
            hatch=hatch,
            color=[_colour(NAMES.get(m, m)) for m in methods],
            edgecolor="black",
            linewidth=0.4,
        )
    ax.axhline(66.5, color="grey", linestyle="--", linewidth=1, label="published: ES BM25 MAP")
    ax.axhline(88, color="black", linestyle=":", linewidth=1, label="published: PoolRank+ MAP")
    ax.set_xticks(range(len(methods)), [NAMES.get(m, m) for m in methods])
    ax.set_ylim(0, 105)
    ax.set_title("StackFAQ: P@1 and MAP (question-answer pairs)")
    ax.legend(fontsize=7, loc="lower right")

    # (c) CLINC150: in-scope accuracy and out-of-scope recall
    ax = axes[0][2]
    clinc = results.get("clinc", {}).get("methods", {})
    names = [NAMES.get(m, m) for m in clinc] + ["SVM\n(publ.)", "BERT\n(publ.)"]
    accuracy = [100 * (clinc[m]["test"]["in_scope_accuracy"] or 0) for m in clinc] + [91.0, 96.2]
    recall = [100 * (clinc[m]["test"]["oos_recall"] or 0) for m in clinc] + [14.5, 52.3]
    xs = list(range(len(names)))
    ax.bar([x - 0.2 for x in xs], accuracy, 0.4, label="in-scope accuracy", color="#1b6ca8")
    ax.bar([x + 0.2 for x in xs], recall, 0.4, label="out-of-scope recall", color="#e39b2d")
    ax.set_xticks(xs, names, fontsize=8)
    ax.set_ylim(0, 105)
    ax.set_title("CLINC150 test (thresholds from val)")
    ax.legend(fontsize=7, loc="lower right")

    # (d) time per question against knowledge size
    speed = results.get("speed", [])
    sizes = [row["entries"] for row in speed]
    ax = axes[1][0]
    if speed:
        ax.plot(sizes, [r["p50_ms"] for r in speed], "o-", label="p50")
        ax.plot(sizes, [r["p99_ms"] for r in speed], "s-", label="p99")
        ax.axhline(5, color="red", linestyle="--", linewidth=1, label="target p99 at 5,000")
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("entries")
    ax.set_ylabel("ms per question (Engine.reply, one core)")
    ax.set_title("Time per question vs knowledge size")
    ax.legend(fontsize=8)

    # (e) knowledge load time and peak memory against size
    ax = axes[1][1]
    if speed:
        ax.plot(sizes, [r["load_s"] for r in speed], "o-", label="load + validate (s)")
        ax.plot(sizes, [r["build_s"] for r in speed], "^-", label="engine build (s)")
        ax.axhline(2, color="red", linestyle="--", linewidth=1, label="target load at 5,000")
        ax.set_xscale("log")
        ax.set_yscale("log")
        twin = ax.twinx()
        twin.plot(sizes, [r["peak_mb"] for r in speed], "k:", label="peak RSS (MB)")
        twin.set_ylabel("peak RSS (MB)")
        twin.legend(fontsize=8, loc="center right")
    ax.set_xlabel("entries")
    ax.set_ylabel("seconds")
    ax.set_title("Knowledge load time and memory vs size")
    ax.legend(fontsize=8, loc="upper left")

    # (f) time per query per method at CLINC scale (15,000 phrasings)
    ax = axes[1][2]
    if clinc:
        labels = [NAMES.get(m, m) for m in clinc]
        means = [clinc[m]["time_ms"]["mean"] or 0 for m in clinc]
        p99 = [clinc[m]["time_ms"]["p99"] or 0 for m in clinc]
        xs = list(range(len(labels)))
        ax.bar(
            [x - 0.2 for x in xs], means, 0.4, label="mean", color=[_colour(lbl) for lbl in labels]
        )
        ax.bar([x + 0.2 for x in xs], p99, 0.4, label="p99", color="white", edgecolor="black")
        ax.set_xticks(xs, labels)
        ax.set_yscale("log")
    ax.set_ylabel("ms per query (one core)")
    ax.set_title("CLINC150: time per query, 15,000 phrasings")
    ax.legend(fontsize=8)

    fig.tight_layout(rect=(0, 0, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
